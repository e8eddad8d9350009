// Ringtone (callee, in the popup), ringback (caller, in the main window) and the call-waiting beep
// (a call during a call, in the main window), synthesized with WebAudio so the app ships no audio
// files. stop() silences at once: every scheduled oscillator is stopped.

export type ToneKind = "ringtone" | "ringback" | "waiting";

type Note = { at: number; freqs: number[]; length: number; gain: number };

/** One cycle of each pattern; times in seconds from the cycle start. */
const PATTERNS: Record<ToneKind, { cycle: number; notes: Note[] }> = {
  // Three rising marimba-like notes, twice, then a pause.
  ringtone: {
    cycle: 2.6,
    notes: [
      { at: 0.0, freqs: [659.25], length: 0.18, gain: 0.22 },
      { at: 0.18, freqs: [783.99], length: 0.18, gain: 0.22 },
      { at: 0.36, freqs: [1046.5], length: 0.32, gain: 0.22 },
      { at: 0.8, freqs: [659.25], length: 0.18, gain: 0.22 },
      { at: 0.98, freqs: [783.99], length: 0.18, gain: 0.22 },
      { at: 1.16, freqs: [1046.5], length: 0.32, gain: 0.22 },
    ],
  },
  // The dual-tone ringback most phones play to a caller: 440+480 Hz, 1 s on, 3 s off.
  ringback: { cycle: 4, notes: [{ at: 0, freqs: [440, 480], length: 1.0, gain: 0.08 }] },
  // Call waiting: two short, quiet 440 Hz beeps every 4 s, under the call's own audio (the
  // ringtone would drown the conversation).
  waiting: {
    cycle: 4,
    notes: [
      { at: 0, freqs: [440], length: 0.15, gain: 0.05 },
      { at: 0.3, freqs: [440], length: 0.15, gain: 0.05 },
    ],
  },
};

/** The loudest note of `kind`, for tests of how soft a tone is. */
export function peakGain(kind: ToneKind): number {
  return Math.max(...PATTERNS[kind].notes.map((note) => note.gain));
}

export class TonePlayer {
  private context: AudioContext | null = null;
  private master: GainNode | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private live: OscillatorNode[] = [];
  private kind: ToneKind | null = null;

  /** Plays `kind` in a loop, or stops with null; playing the same kind again keeps it going. */
  play(kind: ToneKind | null): void {
    if (kind === this.kind) return;
    this.stop();
    if (kind === null) return;
    const context = this.ensureContext();
    if (!context) return;
    this.kind = kind;
    const master = context.createGain();
    master.connect(context.destination);
    this.master = master;
    const pattern = PATTERNS[kind];
    const scheduleCycle = () => this.schedule(context, master, pattern.notes, context.currentTime + 0.03);
    scheduleCycle();
    this.timer = setInterval(scheduleCycle, pattern.cycle * 1000);
  }

  stop(): void {
    this.kind = null;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    for (const oscillator of this.live) {
      try {
        oscillator.stop();
      } catch {
        // Already stopped: nothing to silence.
      }
    }
    this.live = [];
    this.master?.disconnect();
    this.master = null;
    // A suspended context releases the audio device between rings.
    this.context?.suspend().catch(() => {});
  }

  private schedule(context: AudioContext, master: GainNode, notes: Note[], start: number): void {
    this.live = this.live.filter((o) => (o as OscillatorNode & { ended?: boolean }).ended !== true);
    for (const note of notes) {
      const begin = start + note.at;
      const end = begin + note.length;
      const envelope = context.createGain();
      envelope.gain.setValueAtTime(0, begin);
      envelope.gain.linearRampToValueAtTime(note.gain, begin + 0.01);
      envelope.gain.exponentialRampToValueAtTime(0.001, end);
      envelope.connect(master);
      for (const freq of note.freqs) {
        const oscillator = context.createOscillator();
        oscillator.type = "sine";
        oscillator.frequency.value = freq;
        oscillator.connect(envelope);
        oscillator.start(begin);
        oscillator.stop(end + 0.02);
        oscillator.onended = () => {
          (oscillator as OscillatorNode & { ended?: boolean }).ended = true;
          envelope.disconnect();
        };
        this.live.push(oscillator);
      }
    }
  }

  private ensureContext(): AudioContext | null {
    if (!this.context) {
      const Ctor = window.AudioContext ?? (window as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
      if (!Ctor) return null;
      try {
        this.context = new Ctor();
      } catch {
        return null; // No audio output: calls still work, only silently.
      }
    }
    // WebKitGTK in Tauri allows autoplay; a refusal elsewhere is not an error worth surfacing.
    this.context.resume().catch(() => {});
    return this.context;
  }
}

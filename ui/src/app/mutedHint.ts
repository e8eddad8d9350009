// "You are muted": the microphone is muted and the backend heard speech on it (the `stats` event's
// `speaking`, measured on the captured audio, which is read but not sent while muted). The hint
// stays a few seconds after the last second with speech, and goes at once on unmute.

/** How long the hint stays after the last second in which speech was heard while muted. */
export const MUTED_HINT_MS = 3000;

export class MutedHint {
  private until = 0;

  /** A statistics report: whether speech was heard during its second, and whether muted then. */
  heard(speaking: boolean, muted: boolean, nowMs: number): void {
    if (speaking && muted) this.until = nowMs + MUTED_HINT_MS;
  }

  visible(muted: boolean, nowMs: number): boolean {
    return muted && nowMs < this.until;
  }

  /** A new call, or unmuted: earlier speech says nothing any more. */
  reset(): void {
    this.until = 0;
  }
}

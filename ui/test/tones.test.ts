// @vitest-environment jsdom
// The tone player against a fake WebAudio: it loops while asked and silences every note at once.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { peakGain, TonePlayer } from "../src/audio/tones";

class FakeParam {
  value = 0;
  setValueAtTime() {}
  linearRampToValueAtTime() {}
  exponentialRampToValueAtTime() {}
}
class FakeNode {
  connect() {}
  disconnect() {}
}
const oscillators: FakeOscillator[] = [];
class FakeOscillator extends FakeNode {
  type = "sine";
  frequency = new FakeParam();
  stopped = false;
  onended: (() => void) | null = null;
  constructor() {
    super();
    oscillators.push(this);
  }
  start() {}
  stop(when?: number) {
    if (when === undefined) this.stopped = true; // an immediate stop, not the scheduled end
  }
}
class FakeContext {
  static created = 0;
  currentTime = 0;
  destination = new FakeNode();
  state = "running";
  constructor() {
    FakeContext.created += 1;
  }
  createGain() {
    return Object.assign(new FakeNode(), { gain: new FakeParam() });
  }
  createOscillator() {
    return new FakeOscillator();
  }
  resume() {
    return Promise.reject(new Error("autoplay refused")); // must be swallowed
  }
  suspend() {
    return Promise.resolve();
  }
}

beforeEach(() => {
  vi.useFakeTimers();
  oscillators.length = 0;
  vi.stubGlobal("AudioContext", FakeContext);
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe("TonePlayer", () => {
  it("schedules ringback (440+480 Hz) and repeats it every cycle", () => {
    const player = new TonePlayer();
    player.play("ringback");
    expect(oscillators.map((o) => o.frequency.value)).toEqual([440, 480]);
    vi.advanceTimersByTime(4000);
    expect(oscillators.length).toBe(4);
    player.stop();
  });

  it("beeps softly for a waiting call: two short 440 Hz notes a cycle, far quieter than the ringtone", () => {
    const player = new TonePlayer();
    player.play("waiting");
    expect(oscillators.map((o) => o.frequency.value)).toEqual([440, 440]);
    vi.advanceTimersByTime(4000);
    expect(oscillators.length).toBe(4);
    expect(peakGain("waiting")).toBeLessThanOrEqual(peakGain("ringtone") / 4);
    player.stop();
    expect(oscillators.every((o) => o.stopped)).toBe(true);
  });

  it("stops every scheduled oscillator at once and schedules no more", () => {
    const player = new TonePlayer();
    player.play("ringtone");
    const scheduled = oscillators.length;
    expect(scheduled).toBeGreaterThan(0);
    player.play(null);
    expect(oscillators.every((o) => o.stopped)).toBe(true);
    vi.advanceTimersByTime(10_000);
    expect(oscillators.length).toBe(scheduled);
  });

  it("keeps one loop when asked for the same tone again, and switches kinds cleanly", () => {
    const player = new TonePlayer();
    player.play("ringtone");
    const first = oscillators.length;
    player.play("ringtone");
    expect(oscillators.length).toBe(first);
    player.play("ringback");
    expect(oscillators.slice(0, first).every((o) => o.stopped)).toBe(true);
    expect(oscillators.slice(first).map((o) => o.frequency.value)).toEqual([440, 480]);
    expect(FakeContext.created).toBeGreaterThanOrEqual(1);
    player.stop();
  });
});

import { describe, expect, it } from "vitest";

const last = <T>(items: T[]): T => items[items.length - 1];
import { createDuetDebug, LATENCY_WINDOW, percentile, recordPaint } from "../src/frames/debug";
import { encodeFrame, parseFrame, type Frame } from "../src/frames/header";
import { FrameScheduler } from "../src/frames/scheduler";

function frame(stream: number, seq: number, timestampMs = 1000): Frame {
  const parsed = parseFrame(encodeFrame(stream, 2, 2, seq, timestampMs));
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.frame;
}

/** A manual animation-frame clock: frames run only when the test says so. */
function manualClock(now = 5000) {
  const callbacks: (() => void)[] = [];
  return {
    requestFrame: (cb: () => void) => callbacks.push(cb),
    nowEpochMs: () => now,
    pending: () => callbacks.length,
    tick() {
      const run = callbacks.splice(0);
      run.forEach((cb) => cb());
    },
  };
}

describe("FrameScheduler", () => {
  it("paints only the newest of several frames that arrive before an animation frame", () => {
    const clock = manualClock();
    const painted: number[] = [];
    const scheduler = new FrameScheduler(clock);
    scheduler.setSink(0, (f) => painted.push(f.seq));
    for (let seq = 1; seq <= 5; seq++) scheduler.push(frame(0, seq));
    expect(clock.pending()).toBe(1); // one animation frame requested, not five
    clock.tick();
    expect(painted).toEqual([5]);
    expect(scheduler.dropped[0]).toBe(4);
  });

  it("never repaints an old frame and requests the next animation frame only for new ones", () => {
    const clock = manualClock();
    const painted: number[] = [];
    const scheduler = new FrameScheduler(clock);
    scheduler.setSink(0, (f) => painted.push(f.seq));
    scheduler.push(frame(0, 1));
    clock.tick();
    clock.tick();
    expect(clock.pending()).toBe(0);
    scheduler.push(frame(0, 2));
    clock.tick();
    expect(painted).toEqual([1, 2]);
  });

  it("keeps streams apart: each stream's newest frame goes to its own sink", () => {
    const clock = manualClock();
    const painted: string[] = [];
    const scheduler = new FrameScheduler(clock);
    scheduler.setSink(0, (f) => painted.push(`remote ${f.seq}`));
    scheduler.setSink(1, (f) => painted.push(`local ${f.seq}`));
    scheduler.push(frame(0, 1));
    scheduler.push(frame(1, 10));
    scheduler.push(frame(0, 2));
    scheduler.push(frame(1, 11));
    clock.tick();
    expect(painted.sort()).toEqual(["local 11", "remote 2"]);
  });

  it("discards frames of a stream without a sink and after the sink is removed", () => {
    const clock = manualClock();
    const painted: number[] = [];
    const scheduler = new FrameScheduler(clock);
    scheduler.push(frame(2, 1));
    expect(clock.pending()).toBe(0);
    scheduler.setSink(2, (f) => painted.push(f.seq));
    scheduler.push(frame(2, 2));
    scheduler.setSink(2, null);
    clock.tick();
    expect(painted).toEqual([]);
  });

  it("reports each paint with the animation frame's time, and a throwing sink does not stop others", () => {
    const clock = manualClock(1234);
    const seen: [number, number][] = [];
    const scheduler = new FrameScheduler(clock, (f, at) => seen.push([f.stream, at]));
    scheduler.setSink(0, () => {
      throw new Error("lost context");
    });
    scheduler.setSink(1, () => {});
    scheduler.push(frame(0, 1));
    scheduler.push(frame(1, 1));
    const log = console.error;
    console.error = () => {};
    clock.tick();
    console.error = log;
    expect(seen).toEqual([[1, 1234]]);
  });
});

describe("duetDebug", () => {
  it("counts paints per stream and keeps the remote latency of the last 600 frames", () => {
    const debug = createDuetDebug(() => []);
    for (let i = 0; i < LATENCY_WINDOW + 10; i++) recordPaint(debug, frame(0, i, 1000), 1000 + i);
    recordPaint(debug, frame(1, 0, 0), 99);
    expect(debug.framesPainted).toEqual({ 0: LATENCY_WINDOW + 10, 1: 1, 2: 0, 3: 0 });
    expect(debug.paintLatencyMs.length).toBe(LATENCY_WINDOW);
    expect(debug.paintLatencyMs[0]).toBe(10);
    expect(last(debug.paintLatencyMs)).toBe(LATENCY_WINDOW + 9);
  });

  it("computes percentiles", () => {
    expect(percentile([], 50)).toBeNull();
    expect(percentile([5, 1, 3, 2, 4], 50)).toBe(3);
    expect(percentile([5, 1, 3, 2, 4], 100)).toBe(5);
    expect(percentile([5, 1, 3, 2, 4], 0)).toBe(1);
  });
});

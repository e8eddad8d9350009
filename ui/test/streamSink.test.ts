import { describe, expect, it } from "vitest";
import { encodeFrame, parseFrame, type Frame } from "../src/frames/header";
import { streamSink } from "../src/video/streamSink";
import type { VideoRenderer } from "../src/video/renderer";

function frame(): Frame {
  const parsed = parseFrame(encodeFrame(0, 4, 2, 1, 1));
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.frame;
}

describe("streamSink", () => {
  it("draws, then reports the display size the renderer gives after drawing", () => {
    const canvas = { width: 300, height: 150 };
    const drawn: number[] = [];
    const renderer = {
      canvas,
      draw: (f: Frame) => {
        drawn.push(f.seq);
        canvas.width = 1100; // draw() fits the canvas to its element first
        canvas.height = 527;
      },
      displaySize: () => [canvas.width, canvas.height],
    } as unknown as VideoRenderer;
    const reports: [number, number, number][] = [];
    const sink = streamSink(renderer, 0, { report: (s, w, h) => reports.push([s, w, h]) });
    sink?.(frame());
    expect(drawn).toEqual([1]);
    expect(reports).toEqual([[0, 1100, 527]]);
  });

  it("is null without a renderer (no WebGL), so the scheduler discards the stream", () => {
    expect(streamSink(null, 1, { report: () => {} })).toBeNull();
  });
});

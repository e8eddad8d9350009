// window.duetDebug: what the GUI tests and the latency benchmark read (docs/app-interface.md, Test hooks).
import type { Frame } from "./header";

export const LATENCY_WINDOW = 600;

export type DuetDebug = {
  framesPainted: Record<0 | 1 | 2 | 3, number>;
  /** Last 600 remote frames: paint time minus the header's timestamp, ms. */
  paintLatencyMs: number[];
  /** 64 pixels of the remote canvas as 0xRRGGBB numbers (an 8x8 grid); [] when nothing is drawn. */
  sampleRemote(): number[];
  /** The same of the peer's shared screen (stream 3). */
  sampleScreen(): number[];
  /** Last 600 remote frames received: arrival in the page minus the header's timestamp, ms (the
   * transport's share of paintLatencyMs; the rest is the wait for the next animation frame). */
  receiveLatencyMs: number[];
  /** Last 600 remote frames: how long uploading and drawing took in the page, ms. */
  drawMs: number[];
  /** Frames replaced by a newer one before they were painted, per stream. */
  framesDropped: Record<0 | 1 | 2 | 3, number>;
  /** Messages that failed header validation, and the last reason. */
  badFrames: number;
  lastBadFrame: string | null;
};

export function createDuetDebug(sampleRemote: () => number[], sampleScreen: () => number[] = () => []): DuetDebug {
  return {
    framesPainted: { 0: 0, 1: 0, 2: 0, 3: 0 },
    paintLatencyMs: [],
    receiveLatencyMs: [],
    sampleRemote,
    sampleScreen,
    drawMs: [],
    framesDropped: { 0: 0, 1: 0, 2: 0, 3: 0 },
    badFrames: 0,
    lastBadFrame: null,
  };
}

/** Counts a painted frame and, for the remote stream, keeps its latency in the rolling window. */
export function recordPaint(debug: DuetDebug, frame: Frame, paintedAtEpochMs: number, drawMs = 0): void {
  debug.framesPainted[frame.stream] += 1;
  if (frame.stream !== 0) return;
  pushBounded(debug.paintLatencyMs, paintedAtEpochMs - frame.timestampMs);
  pushBounded(debug.drawMs, drawMs);
}

/** Keeps a received remote frame's transport latency in the rolling window. */
export function recordReceive(debug: DuetDebug, frame: Frame, receivedAtEpochMs: number): void {
  if (frame.stream === 0) pushBounded(debug.receiveLatencyMs, receivedAtEpochMs - frame.timestampMs);
}

function pushBounded(values: number[], value: number): void {
  values.push(value);
  if (values.length > LATENCY_WINDOW) values.splice(0, values.length - LATENCY_WINDOW);
}

/** The p-th percentile (0..100) of `values`, or null for none. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

declare global {
  interface Window {
    duetDebug?: DuetDebug;
  }
}

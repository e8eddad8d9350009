// Newest frame wins: frames that arrive between two animation frames replace each other, and each
// animation frame paints at most the newest one per stream. Nothing is ever queued.
import type { Frame, StreamId } from "./header";

export type FrameSink = (frame: Frame) => void;

export type SchedulerClock = {
  /** requestAnimationFrame, injectable for tests. */
  requestFrame(callback: () => void): void;
  /** Wall-clock now in epoch ms (performance.timeOrigin + performance.now() in the page). */
  nowEpochMs(): number;
};

/** `drawMs`: how long the sink (texture upload and draw call) took. */
export type PaintObserver = (frame: Frame, paintedAtEpochMs: number, drawMs: number) => void;

export class FrameScheduler {
  private readonly pending = new Map<StreamId, Frame>();
  private readonly sinks = new Map<StreamId, FrameSink>();
  private scheduled = false;
  /** Frames replaced before they were painted, per stream. */
  readonly dropped: Record<StreamId, number> = { 0: 0, 1: 0, 2: 0, 3: 0 };

  constructor(
    private readonly clock: SchedulerClock,
    private readonly onPainted: PaintObserver = () => {},
  ) {}

  /** Where frames of `stream` are drawn; null detaches (frames of that stream are then discarded). */
  setSink(stream: StreamId, sink: FrameSink | null): void {
    if (sink) this.sinks.set(stream, sink);
    else {
      this.sinks.delete(stream);
      this.pending.delete(stream);
    }
  }

  push(frame: Frame): void {
    if (!this.sinks.has(frame.stream)) return;
    if (this.pending.has(frame.stream)) this.dropped[frame.stream] += 1;
    this.pending.set(frame.stream, frame);
    if (!this.scheduled) {
      this.scheduled = true;
      this.clock.requestFrame(() => this.paint());
    }
  }

  private paint(): void {
    this.scheduled = false;
    const now = this.clock.nowEpochMs();
    const frames = [...this.pending.values()];
    this.pending.clear();
    for (const frame of frames) {
      const sink = this.sinks.get(frame.stream);
      if (!sink) continue;
      const before = this.clock.nowEpochMs();
      try {
        sink(frame);
      } catch (error) {
        // One bad draw must not stop the other streams or later frames.
        console.error(`painting stream ${frame.stream} failed`, error);
        continue;
      }
      this.onPainted(frame, now, this.clock.nowEpochMs() - before);
    }
  }
}

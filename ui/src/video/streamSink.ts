// Binds a renderer to a video stream: draws its frames and reports the canvas's device-pixel size,
// so the backend sends frames no larger than what the canvas shows.
import type { DisplaySizes } from "../frames/client";
import type { StreamId } from "../frames/header";
import type { FrameSink } from "../frames/scheduler";
import type { YuvRenderer } from "./yuvRenderer";

/** The scheduler sink for `stream`, or null without a renderer (no WebGL: frames are discarded). */
export function streamSink(renderer: YuvRenderer | null, stream: StreamId, sizes: DisplaySizes): FrameSink | null {
  if (!renderer) return null;
  return (frame) => {
    renderer.draw(frame);
    // After draw(), which fits the canvas to its element: this is the size just painted.
    sizes.report(stream, renderer.canvas.width, renderer.canvas.height);
  };
}

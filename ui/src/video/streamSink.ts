// Binds a renderer to a video stream: draws its frames and reports the canvas's device-pixel size,
// so the backend sends frames no larger than what the canvas shows.
import type { DisplaySizes } from "../frames/client";
import type { StreamId } from "../frames/header";
import type { FrameSink } from "../frames/scheduler";
import type { VideoRenderer } from "./renderer";

/** The scheduler sink for `stream`, or null without a renderer (no WebGL: frames are discarded). */
export function streamSink(renderer: VideoRenderer | null, stream: StreamId, sizes: DisplaySizes): FrameSink | null {
  if (!renderer) return null;
  return (frame) => {
    renderer.draw(frame);
    // After draw(), which may fit the canvas to its element.
    const [width, height] = renderer.displaySize();
    sizes.report(stream, width, height);
  };
}

import { YuvRenderer } from "./yuvRenderer";

/** A renderer for `canvas`, or null where WebGL is missing (the canvas then stays black). */
export function createRenderer(canvas: HTMLCanvasElement, mirror = false): YuvRenderer | null {
  try {
    return new YuvRenderer(canvas, mirror);
  } catch (error) {
    console.error("video renderer unavailable", error);
    return null;
  }
}

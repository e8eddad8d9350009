// The renderer each video canvas gets: the way the backend chose for this machine (Bootstrap
// `videoPainter`, src-tauri/src/frames/painter.rs).
import type { VideoPainter } from "../backend/contract";
import { CanvasRenderer } from "./canvasRenderer";
import type { VideoRenderer } from "./renderer";
import { YuvRenderer } from "./yuvRenderer";

let painter: VideoPainter = "webgl";

/** Set once from the bootstrap, before the first renderer is made. */
export function setPainter(next: VideoPainter): void {
  painter = next;
}

/** A renderer for `canvas`, or null where the webview has neither way (the canvas stays black). */
export function createRenderer(canvas: HTMLCanvasElement, mirror = false): VideoRenderer | null {
  try {
    return painter === "webgl" ? new YuvRenderer(canvas, mirror) : new CanvasRenderer(canvas, mirror);
  } catch (error) {
    console.error("video renderer unavailable", error);
    return null;
  }
}

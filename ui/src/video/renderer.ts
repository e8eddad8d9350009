// What a view needs from a video renderer, whichever way it paints (WebGL or a 2D canvas).
import type { Frame } from "../frames/header";

export interface VideoRenderer {
  readonly canvas: HTMLCanvasElement;
  /** Whether a frame is on the canvas (false after clear()). */
  readonly hasFrame: boolean;
  draw(frame: Frame): void;
  /** Blanks the canvas (call ended, camera off). */
  clear(): void;
  /** 64 pixels of the picture on an 8x8 grid as 0xRRGGBB; [] when nothing is drawn. */
  sample(): number[];
  /** Where the picture is shown, in device pixels: the size the backend should scale frames to. */
  displaySize(): [number, number];
}

// Draws I420 frames through a 2D canvas: converted to RGBA in the page (i420ToRgba.ts) and put
// whole. Used where WebGL itself is software (no GPU): there, the WebGL path costs a shader pass
// on Mesa's llvmpipe and a read-back of the drawing buffer for every frame, which took half a core
// in a 720p call, while WebKit paints a 2D canvas straight from its pixels (docs/benchmarks.md,
// "Against a browser tab"). The drawing buffer is the frame's size; CSS (`object-fit: contain`)
// fits it to the element, at 1:1 once the backend scales frames to the size reported here.
import type { Frame } from "../frames/header";
import { i420ToRgba } from "./i420ToRgba";
import type { VideoRenderer } from "./renderer";

export class CanvasRenderer implements VideoRenderer {
  private readonly context: CanvasRenderingContext2D;
  private image: ImageData | null = null;
  private pixels = new Uint32Array(0);
  hasFrame = false;

  /** Throws when the webview has no 2D canvas; the caller shows the canvas empty. */
  constructor(readonly canvas: HTMLCanvasElement, private readonly mirror = false) {
    const context = canvas.getContext("2d", { alpha: false });
    if (!context) throw new Error("a 2D canvas is not available");
    this.context = context;
  }

  draw(frame: Frame): void {
    if (!this.image || this.image.width !== frame.width || this.image.height !== frame.height) {
      this.canvas.width = frame.width;
      this.canvas.height = frame.height;
      this.image = this.context.createImageData(frame.width, frame.height);
      this.pixels = new Uint32Array(this.image.data.buffer);
    }
    i420ToRgba(frame, this.pixels, this.mirror);
    this.context.putImageData(this.image, 0, 0);
    this.hasFrame = true;
  }

  clear(): void {
    this.context.fillStyle = "#000";
    this.context.fillRect(0, 0, this.canvas.width, this.canvas.height);
    this.hasFrame = false;
  }

  /**
   * 64 pixels on an 8x8 grid across the picture as 0xRRGGBB, in the order the WebGL renderer
   * reads them (rows from the bottom up, as OpenGL counts), from the last frame drawn.
   */
  sample(): number[] {
    const image = this.image;
    if (!this.hasFrame || !image) return [];
    const out: number[] = [];
    for (let row = 0; row < 8; row++) {
      const fromBottom = Math.floor(image.height * ((row + 0.5) / 8));
      const y = image.height - 1 - fromBottom;
      for (let col = 0; col < 8; col++) {
        const x = Math.floor(image.width * ((col + 0.5) / 8));
        const word = this.pixels[y * image.width + x];
        out.push(((word & 0xff) << 16) | (word & 0xff00) | ((word >>> 16) & 0xff));
      }
    }
    return out;
  }

  displaySize(): [number, number] {
    const ratio = window.devicePixelRatio || 1;
    return [Math.round(this.canvas.clientWidth * ratio), Math.round(this.canvas.clientHeight * ratio)];
  }
}

// I420 -> RGBA on the CPU, for painting through a 2D canvas where WebGL itself runs on the CPU
// (software OpenGL): BT.601 limited range, the same matrix as shaders.ts (bt601.ts), in 16.16
// fixed point with per-value tables so each pixel is four table reads, three adds and a clamp.
import { BLUE_FROM_U, GREEN_FROM_U, GREEN_FROM_V, LUMA_GAIN, RED_FROM_V } from "./bt601";

const FIX = 16;
const HALF = 1 << (FIX - 1);
/** Clamp table offset: sums stay within [-CLAMP_BIAS, 1024 - CLAMP_BIAS) for any 8-bit input. */
const CLAMP_BIAS = 384;

const lumaTerm = new Int32Array(256);
const redV = new Int32Array(256);
const greenU = new Int32Array(256);
const greenV = new Int32Array(256);
const blueU = new Int32Array(256);
const clamp = new Uint8Array(1024);
for (let i = 0; i < 256; i++) {
  lumaTerm[i] = Math.round(LUMA_GAIN * 65536 * (i - 16)) + HALF;
  redV[i] = Math.round(RED_FROM_V * 65536 * (i - 128));
  greenU[i] = Math.round(GREEN_FROM_U * 65536 * (i - 128));
  greenV[i] = Math.round(GREEN_FROM_V * 65536 * (i - 128));
  blueU[i] = Math.round(BLUE_FROM_U * 65536 * (i - 128));
}
for (let i = 0; i < clamp.length; i++) clamp[i] = Math.max(0, Math.min(255, i - CLAMP_BIAS));

export type I420Planes = { width: number; height: number; y: Uint8Array; u: Uint8Array; v: Uint8Array };

/**
 * Writes `frame` into `out` (width * height pixels, one little-endian RGBA word each, as an
 * ImageData's buffer viewed as Uint32Array), mirrored left to right when `mirror`. Width and
 * height are even (the frame header guarantees it).
 */
export function i420ToRgba(frame: I420Planes, out: Uint32Array, mirror = false): void {
  const { width, height, y, u, v } = frame;
  const chromaWidth = width >> 1;
  const step = mirror ? -1 : 1;
  for (let row = 0; row < height; row += 2) {
    const chromaRow = (row >> 1) * chromaWidth;
    const luma0 = row * width;
    const luma1 = luma0 + width;
    // Where pixel 0 of each of the two rows goes: its own column, or the last one mirrored.
    let out0 = mirror ? luma0 + width - 1 : luma0;
    let out1 = mirror ? luma1 + width - 1 : luma1;
    for (let cx = 0; cx < chromaWidth; cx++) {
      const cu = u[chromaRow + cx];
      const cv = v[chromaRow + cx];
      const r = redV[cv] + (CLAMP_BIAS << FIX);
      const g = greenU[cu] + greenV[cv] + (CLAMP_BIAS << FIX);
      const b = blueU[cu] + (CLAMP_BIAS << FIX);
      const x = cx << 1;
      let l = lumaTerm[y[luma0 + x]];
      out[out0] = pack(clamp[(l + r) >> FIX], clamp[(l + g) >> FIX], clamp[(l + b) >> FIX]);
      l = lumaTerm[y[luma0 + x + 1]];
      out[out0 + step] = pack(clamp[(l + r) >> FIX], clamp[(l + g) >> FIX], clamp[(l + b) >> FIX]);
      l = lumaTerm[y[luma1 + x]];
      out[out1] = pack(clamp[(l + r) >> FIX], clamp[(l + g) >> FIX], clamp[(l + b) >> FIX]);
      l = lumaTerm[y[luma1 + x + 1]];
      out[out1 + step] = pack(clamp[(l + r) >> FIX], clamp[(l + g) >> FIX], clamp[(l + b) >> FIX]);
      out0 += 2 * step;
      out1 += 2 * step;
    }
  }
}

/** One opaque pixel as the little-endian word whose bytes are R, G, B, A. */
function pack(r: number, g: number, b: number): number {
  return (0xff000000 | (b << 16) | (g << 8) | r) >>> 0;
}

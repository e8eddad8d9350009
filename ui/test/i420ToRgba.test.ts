import { describe, expect, it } from "vitest";
import { i420ToRgba } from "../src/video/i420ToRgba";

/** The shader's float conversion (src/video/shaders.ts), rounded: what WebGL paints. */
function reference(y: number, u: number, v: number): [number, number, number] {
  const l = 1.16438 * (y / 255 - 0.062745);
  const cu = u / 255 - 0.501961;
  const cv = v / 255 - 0.501961;
  const to8 = (x: number) => Math.round(Math.min(1, Math.max(0, x)) * 255);
  return [to8(l + 1.59603 * cv), to8(l - 0.39176 * cu - 0.81297 * cv), to8(l + 2.01723 * cu)];
}

function frame(width: number, height: number, fill: (x: number, y: number) => [number, number, number]) {
  const y = new Uint8Array(width * height);
  const u = new Uint8Array((width / 2) * (height / 2));
  const v = new Uint8Array((width / 2) * (height / 2));
  for (let row = 0; row < height; row++) {
    for (let col = 0; col < width; col++) {
      const [py, pu, pv] = fill(col, row);
      y[row * width + col] = py;
      if (row % 2 === 0 && col % 2 === 0) {
        u[(row / 2) * (width / 2) + col / 2] = pu;
        v[(row / 2) * (width / 2) + col / 2] = pv;
      }
    }
  }
  return { width, height, y, u, v };
}

function rgb(word: number): [number, number, number] {
  return [word & 0xff, (word >>> 8) & 0xff, (word >>> 16) & 0xff];
}

describe("i420ToRgba", () => {
  it("paints limited-range white, black and grey as the full range, opaque", () => {
    for (const [luma, expected] of [[235, 255], [16, 0], [126, 128]] as const) {
      const out = new Uint32Array(4);
      i420ToRgba(frame(2, 2, () => [luma, 128, 128]), out);
      for (const word of out) {
        expect(rgb(word)).toEqual([expected, expected, expected]);
        expect(word >>> 24).toBe(0xff);
      }
    }
  });

  it("matches the WebGL shader within one level for every chroma pair and a spread of lumas", () => {
    let worst = 0;
    for (let u = 0; u < 256; u += 5) {
      for (let v = 0; v < 256; v += 5) {
        for (const luma of [0, 16, 60, 128, 200, 235, 255]) {
          const out = new Uint32Array(4);
          i420ToRgba(frame(2, 2, () => [luma, u, v]), out);
          const got = rgb(out[0]);
          const want = reference(luma, u, v);
          for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(got[c] - want[c]));
        }
      }
    }
    expect(worst).toBeLessThanOrEqual(1);
  });

  it("keeps each pixel's own luma and shares chroma over 2x2 blocks", () => {
    const planes = frame(4, 2, (x) => [16 + x * 50, x < 2 ? 90 : 200, 128]);
    const out = new Uint32Array(8);
    i420ToRgba(planes, out);
    for (let x = 0; x < 4; x++) {
      expect(rgb(out[x])).toEqual(rgb(out[4 + x]));
      const want = reference(16 + x * 50, x < 2 ? 90 : 200, 128);
      rgb(out[x]).forEach((c, i) => expect(Math.abs(c - want[i])).toBeLessThanOrEqual(1));
    }
  });

  it("mirrors each row when asked", () => {
    const planes = frame(6, 4, (x, y) => [16 + x * 30 + y, 128, 128]);
    const straight = new Uint32Array(24);
    const mirrored = new Uint32Array(24);
    i420ToRgba(planes, straight);
    i420ToRgba(planes, mirrored, true);
    for (let row = 0; row < 4; row++) {
      for (let x = 0; x < 6; x++) expect(mirrored[row * 6 + x]).toBe(straight[row * 6 + 5 - x]);
    }
  });
});

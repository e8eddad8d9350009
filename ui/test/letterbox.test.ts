// The remote video is fitted, never cropped: the whole picture shows inside the stage, with bars
// on the axis it does not fill (ui/src/video/shaders.ts, aspectFitScale).
import { describe, expect, it } from "vitest";
import { aspectFitScale } from "../src/video/shaders";

describe("the remote picture's fit", () => {
  it("letterboxes a wide picture and pillarboxes a tall one, never scaling past the canvas", () => {
    // 16:9 camera in a 4:3 window: full width, bars above and below.
    expect(aspectFitScale(1280, 720, 1024, 768)).toEqual([1, 0.75]);
    // 4:3 camera in a 16:9 full-screen window: full height, bars left and right.
    expect(aspectFitScale(640, 480, 1920, 1080)).toEqual([0.75, 1]);
    // A phone held upright in a 320x180 mini window.
    const [sx, sy] = aspectFitScale(720, 1280, 320, 180);
    expect(sy).toBe(1);
    expect(sx).toBeCloseTo((720 / 1280) / (320 / 180));
    for (const [fw, fh, cw, ch] of [[1280, 720, 300, 700], [333, 777, 1920, 1080], [1920, 1080, 1920, 1080]]) {
      const [x, y] = aspectFitScale(fw, fh, cw, ch);
      expect(Math.max(x, y)).toBe(1);
      expect(Math.min(x, y)).toBeLessThanOrEqual(1);
      // The shown picture keeps the frame's aspect: nothing is stretched or cut off.
      expect((x * cw) / (y * ch)).toBeCloseTo(fw / fh);
    }
  });
  it("leaves an unknown size filling the canvas", () => {
    expect(aspectFitScale(0, 0, 100, 100)).toEqual([1, 1]);
  });
});

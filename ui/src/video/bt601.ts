// BT.601 limited range (luma 16..235, chroma 16..240) to RGB: the one matrix both renderers use,
// the WebGL shader (shaders.ts) and the 2D canvas's conversion (i420ToRgba.ts).

/** Luma scale after removing the 16 offset. */
export const LUMA_GAIN = 1.16438;
/** The luma offset, as a fraction of 255 (16 / 255). */
export const LUMA_OFFSET = 0.062745;
/** The chroma midpoint, as a fraction of 255 (128 / 255). */
export const CHROMA_MID = 0.501961;
export const RED_FROM_V = 1.59603;
export const GREEN_FROM_U = -0.39176;
export const GREEN_FROM_V = -0.81297;
export const BLUE_FROM_U = 2.01723;

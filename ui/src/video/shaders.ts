// I420 -> RGB on the GPU: three single-channel textures, BT.601 limited range (16..235 / 16..240).
import { BLUE_FROM_U, CHROMA_MID, GREEN_FROM_U, GREEN_FROM_V, LUMA_GAIN, LUMA_OFFSET, RED_FROM_V } from "./bt601";

export const VERTEX_SHADER = `
attribute vec2 a_position;
attribute vec2 a_texCoord;
uniform vec2 u_scale;
varying vec2 v_texCoord;
void main() {
  gl_Position = vec4(a_position * u_scale, 0.0, 1.0);
  v_texCoord = a_texCoord;
}
`;

// highp where the GPU has it: mediump's 10-bit mantissa blurs texture coordinates at 1280 columns.
export const FRAGMENT_SHADER = `
#ifdef GL_FRAGMENT_PRECISION_HIGH
precision highp float;
#else
precision mediump float;
#endif
uniform sampler2D u_y;
uniform sampler2D u_u;
uniform sampler2D u_v;
varying vec2 v_texCoord;
void main() {
  float y = ${LUMA_GAIN} * (texture2D(u_y, v_texCoord).r - ${LUMA_OFFSET});
  float u = texture2D(u_u, v_texCoord).r - ${CHROMA_MID};
  float v = texture2D(u_v, v_texCoord).r - ${CHROMA_MID};
  gl_FragColor = vec4(
    clamp(y + ${RED_FROM_V} * v, 0.0, 1.0),
    clamp(y + ${GREEN_FROM_U} * u + ${GREEN_FROM_V} * v, 0.0, 1.0),
    clamp(y + ${BLUE_FROM_U} * u, 0.0, 1.0),
    1.0);
}
`;

/**
 * The quad's scale that fits a `frameW`x`frameH` picture inside a `canvasW`x`canvasH` canvas without
 * distortion (letterbox or pillarbox); 1 on the axis that fills.
 */
export function aspectFitScale(
  frameW: number, frameH: number, canvasW: number, canvasH: number,
): [number, number] {
  if (frameW <= 0 || frameH <= 0 || canvasW <= 0 || canvasH <= 0) return [1, 1];
  const frameAspect = frameW / frameH;
  const canvasAspect = canvasW / canvasH;
  return frameAspect > canvasAspect ? [1, canvasAspect / frameAspect] : [frameAspect / canvasAspect, 1];
}

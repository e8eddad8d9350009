// I420 -> RGB on the GPU: three single-channel textures, BT.601 limited range (16..235 / 16..240).

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
  float y = 1.16438 * (texture2D(u_y, v_texCoord).r - 0.062745);
  float u = texture2D(u_u, v_texCoord).r - 0.501961;
  float v = texture2D(u_v, v_texCoord).r - 0.501961;
  gl_FragColor = vec4(
    clamp(y + 1.59603 * v, 0.0, 1.0),
    clamp(y - 0.39176 * u - 0.81297 * v, 0.0, 1.0),
    clamp(y + 2.01723 * u, 0.0, 1.0),
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

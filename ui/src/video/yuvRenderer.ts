// Draws I420 frames on a canvas with WebGL 1. Textures are reallocated only when the size changes;
// otherwise each frame is three texSubImage2D uploads and one draw.
import type { Frame } from "../frames/header";
import type { VideoRenderer } from "./renderer";
import { aspectFitScale, FRAGMENT_SHADER, VERTEX_SHADER } from "./shaders";

export class YuvRenderer implements VideoRenderer {
  private readonly gl: WebGLRenderingContext;
  private readonly textures: WebGLTexture[] = [];
  private readonly scaleLocation: WebGLUniformLocation | null;
  private textureWidth = 0;
  private textureHeight = 0;
  /** The picture's share of the canvas on each axis (aspect fit), for sampling inside it. */
  private scale: [number, number] = [1, 1];
  hasFrame = false;
  /** The pixels read after the last draw that followed a sample() call. */
  private lastSample: number[] = [];
  private sampleWanted = false;

  /** Throws when the webview has no WebGL; the caller shows the canvas empty. */
  constructor(readonly canvas: HTMLCanvasElement, mirror = false) {
    const gl = canvas.getContext("webgl", {
      // Not preserved: WebKit would copy the whole drawing buffer at every composite, which
      // costs paint rate in software GL. sample() therefore reads right after a draw.
      preserveDrawingBuffer: false,
      antialias: false,
      alpha: false,
      depth: false,
      powerPreference: "high-performance",
    });
    if (!gl) throw new Error("WebGL is not available");
    this.gl = gl;
    const program = linkProgram(gl);
    gl.useProgram(program);

    const left = mirror ? 1 : 0;
    const right = mirror ? 0 : 1;
    // x, y, s, t for a triangle strip; t runs down because the planes start at the top row.
    const quad = new Float32Array([-1, -1, left, 1, 1, -1, right, 1, -1, 1, left, 0, 1, 1, right, 0]);
    const buffer = gl.createBuffer();
    gl.bindBuffer(gl.ARRAY_BUFFER, buffer);
    gl.bufferData(gl.ARRAY_BUFFER, quad, gl.STATIC_DRAW);
    const position = gl.getAttribLocation(program, "a_position");
    const texCoord = gl.getAttribLocation(program, "a_texCoord");
    gl.enableVertexAttribArray(position);
    gl.vertexAttribPointer(position, 2, gl.FLOAT, false, 16, 0);
    gl.enableVertexAttribArray(texCoord);
    gl.vertexAttribPointer(texCoord, 2, gl.FLOAT, false, 16, 8);
    this.scaleLocation = gl.getUniformLocation(program, "u_scale");

    gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1); // planes are tightly packed, rows may be odd-length
    ["u_y", "u_u", "u_v"].forEach((name, unit) => {
      const texture = gl.createTexture();
      if (!texture) throw new Error("cannot create a WebGL texture");
      gl.activeTexture(gl.TEXTURE0 + unit);
      gl.bindTexture(gl.TEXTURE_2D, texture);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.LINEAR);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.LINEAR);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
      gl.uniform1i(gl.getUniformLocation(program, name), unit);
      this.textures.push(texture);
    });
    gl.clearColor(0, 0, 0, 1);
  }

  draw(frame: Frame): void {
    const gl = this.gl;
    this.fitBackingStore();
    const resized = frame.width !== this.textureWidth || frame.height !== this.textureHeight;
    const planes: [Uint8Array, number, number][] = [
      [frame.y, frame.width, frame.height],
      [frame.u, frame.width / 2, frame.height / 2],
      [frame.v, frame.width / 2, frame.height / 2],
    ];
    planes.forEach(([data, w, h], unit) => {
      gl.activeTexture(gl.TEXTURE0 + unit);
      gl.bindTexture(gl.TEXTURE_2D, this.textures[unit]);
      if (resized) gl.texImage2D(gl.TEXTURE_2D, 0, gl.LUMINANCE, w, h, 0, gl.LUMINANCE, gl.UNSIGNED_BYTE, data);
      else gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, w, h, gl.LUMINANCE, gl.UNSIGNED_BYTE, data);
    });
    this.textureWidth = frame.width;
    this.textureHeight = frame.height;

    const [sx, sy] = aspectFitScale(frame.width, frame.height, this.canvas.width, this.canvas.height);
    this.scale = [sx, sy];
    gl.viewport(0, 0, this.canvas.width, this.canvas.height);
    gl.clear(gl.COLOR_BUFFER_BIT);
    gl.uniform2f(this.scaleLocation, sx, sy);
    gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
    this.hasFrame = true;
    if (this.sampleWanted) {
      this.sampleWanted = false;
      this.lastSample = this.readSample();
    }
  }

  /** Blanks the canvas (call ended, camera off). */
  clear(): void {
    this.gl.clear(this.gl.COLOR_BUFFER_BIT);
    this.hasFrame = false;
    this.lastSample = [];
  }

  /**
   * 64 pixels on an 8x8 grid across the picture (not the letterbox bars), as 0xRRGGBB, read just
   * after the first draw that follows the previous call (the drawing buffer is not kept after a
   * paint). Empty until a frame has been drawn since the first call; callers poll.
   */
  sample(): number[] {
    this.sampleWanted = true;
    return this.hasFrame ? this.lastSample : [];
  }

  private readSample(): number[] {
    const gl = this.gl;
    const { width, height } = this.canvas;
    const pixel = new Uint8Array(4);
    const out: number[] = [];
    for (let row = 0; row < 8; row++) {
      for (let col = 0; col < 8; col++) {
        const x = Math.floor(width * (0.5 + this.scale[0] * ((col + 0.5) / 8 - 0.5)));
        const y = Math.floor(height * (0.5 + this.scale[1] * ((row + 0.5) / 8 - 0.5)));
        gl.readPixels(x, y, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, pixel);
        out.push((pixel[0] << 16) | (pixel[1] << 8) | pixel[2]);
      }
    }
    return out;
  }

  /** The drawing buffer's size, which draw() keeps at the element's device-pixel size. */
  displaySize(): [number, number] {
    return [this.canvas.width, this.canvas.height];
  }

  /** Keeps the drawing buffer at the element's device-pixel size so the picture stays sharp. */
  private fitBackingStore(): void {
    const ratio = window.devicePixelRatio || 1;
    const width = Math.max(1, Math.round(this.canvas.clientWidth * ratio));
    const height = Math.max(1, Math.round(this.canvas.clientHeight * ratio));
    if (this.canvas.width !== width) this.canvas.width = width;
    if (this.canvas.height !== height) this.canvas.height = height;
  }
}

function linkProgram(gl: WebGLRenderingContext): WebGLProgram {
  const program = gl.createProgram();
  if (!program) throw new Error("cannot create a WebGL program");
  for (const [type, source] of [
    [gl.VERTEX_SHADER, VERTEX_SHADER],
    [gl.FRAGMENT_SHADER, FRAGMENT_SHADER],
  ] as const) {
    const shader = gl.createShader(type);
    if (!shader) throw new Error("cannot create a WebGL shader");
    gl.shaderSource(shader, source);
    gl.compileShader(shader);
    if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS)) {
      throw new Error(`shader compile failed: ${gl.getShaderInfoLog(shader)}`);
    }
    gl.attachShader(program, shader);
  }
  gl.linkProgram(program);
  if (!gl.getProgramParameter(program, gl.LINK_STATUS)) {
    throw new Error(`shader link failed: ${gl.getProgramInfoLog(program)}`);
  }
  return program;
}

// The frames WebSocket's message format (docs/app-interface.md, Frames): a 24-byte little-endian
// header, then the I420 planes tightly packed.

import { FRAME_MAGIC, HEADER_BYTES, STREAM_LOCAL, STREAM_LOCAL_RAW, STREAM_REMOTE, STREAM_REMOTE_SCREEN } from "../backend/contract";

// The constants come from the Rust definition (generated into backend/contract.ts).
export { FRAME_MAGIC, HEADER_BYTES, STREAM_LOCAL, STREAM_LOCAL_RAW, STREAM_REMOTE, STREAM_REMOTE_SCREEN };
/** Where the header keeps the stream id (u8). */
export const STREAM_OFFSET = 4;

export type StreamId =
  typeof STREAM_REMOTE | typeof STREAM_LOCAL | typeof STREAM_LOCAL_RAW | typeof STREAM_REMOTE_SCREEN;

export type Frame = {
  stream: StreamId;
  width: number;
  height: number;
  seq: number;
  /** When the backend had the frame, ms since the Unix epoch. */
  timestampMs: number;
  y: Uint8Array;
  u: Uint8Array;
  v: Uint8Array;
};

export type ParseResult = { ok: true; frame: Frame } | { ok: false; error: string };

/** Parses one message; a malformed one is an error value, never a thrown exception. */
export function parseFrame(buffer: ArrayBuffer): ParseResult {
  if (buffer.byteLength < HEADER_BYTES) {
    return fail(`message of ${buffer.byteLength} bytes is shorter than the ${HEADER_BYTES}-byte header`);
  }
  const view = new DataView(buffer);
  const magic = view.getUint32(0, true);
  if (magic !== FRAME_MAGIC) return fail(`bad magic 0x${magic.toString(16).padStart(8, "0")}`);
  const stream = view.getUint8(STREAM_OFFSET);
  if (stream !== STREAM_REMOTE && stream !== STREAM_LOCAL && stream !== STREAM_LOCAL_RAW && stream !== STREAM_REMOTE_SCREEN) {
    return fail(`unknown stream ${stream}`);
  }
  const width = view.getUint16(8, true);
  const height = view.getUint16(10, true);
  if (width === 0 || height === 0 || width % 2 !== 0 || height % 2 !== 0) {
    return fail(`bad size ${width}x${height} (must be even and non-zero)`);
  }
  const seq = view.getUint32(12, true);
  const timestampMs = view.getFloat64(16, true);
  if (!Number.isFinite(timestampMs)) return fail("timestamp is not a finite number");

  const lumaBytes = width * height;
  const chromaBytes = (width / 2) * (height / 2);
  const expected = HEADER_BYTES + lumaBytes + 2 * chromaBytes;
  if (buffer.byteLength !== expected) {
    return fail(`${width}x${height} frame needs ${expected} bytes, message has ${buffer.byteLength}`);
  }
  // Views onto the message, not copies: the renderer uploads straight from them.
  const y = new Uint8Array(buffer, HEADER_BYTES, lumaBytes);
  const u = new Uint8Array(buffer, HEADER_BYTES + lumaBytes, chromaBytes);
  const v = new Uint8Array(buffer, HEADER_BYTES + lumaBytes + chromaBytes, chromaBytes);
  return { ok: true, frame: { stream, width, height, seq, timestampMs, y, u, v } };
}

/** Builds a message in the same format (tests, and the page's own demo of the renderer). */
export function encodeFrame(
  stream: number, width: number, height: number, seq: number, timestampMs: number,
  planes?: { y: Uint8Array; u: Uint8Array; v: Uint8Array },
): ArrayBuffer {
  const luma = width * height;
  const chroma = (width / 2) * (height / 2);
  const buffer = new ArrayBuffer(HEADER_BYTES + luma + 2 * chroma);
  const view = new DataView(buffer);
  view.setUint32(0, FRAME_MAGIC, true);
  view.setUint8(STREAM_OFFSET, stream);
  view.setUint16(8, width, true);
  view.setUint16(10, height, true);
  view.setUint32(12, seq, true);
  view.setFloat64(16, timestampMs, true);
  if (planes) {
    const bytes = new Uint8Array(buffer);
    bytes.set(planes.y, HEADER_BYTES);
    bytes.set(planes.u, HEADER_BYTES + luma);
    bytes.set(planes.v, HEADER_BYTES + luma + chroma);
  }
  return buffer;
}

function fail(error: string): ParseResult {
  return { ok: false, error };
}

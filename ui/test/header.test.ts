import { describe, expect, it } from "vitest";
import { encodeFrame, FRAME_MAGIC, HEADER_BYTES, parseFrame, type StreamId } from "../src/frames/header";
import vector from "./fixtures/frame-vector.json";

describe("the shared test vector (also read by the Rust test in src-tauri/src/frames)", () => {
  const bytes = Uint8Array.from(vector.hex.match(/../g)!.map((pair) => parseInt(pair, 16))); // non-null: the hex is not empty

  it("parses to the vector's fields and planes", () => {
    const parsed = parseFrame(bytes.buffer);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const f = parsed.frame;
    expect([f.stream, f.width, f.height, f.seq, f.timestampMs]).toEqual([
      vector.stream, vector.width, vector.height, vector.seq, vector.timestampMs,
    ]);
    expect([...f.y]).toEqual(vector.y);
    expect([...f.u]).toEqual(vector.u);
    expect([...f.v]).toEqual(vector.v);
  });

  it("encodes to the vector's bytes", () => {
    const planes = { y: Uint8Array.from(vector.y), u: Uint8Array.from(vector.u), v: Uint8Array.from(vector.v) };
    const encoded = encodeFrame(vector.stream as StreamId, vector.width, vector.height, vector.seq, vector.timestampMs, planes);
    expect([...new Uint8Array(encoded)]).toEqual([...bytes]);
  });
});

describe("parseFrame", () => {
  it("reads every header field and slices the three planes", () => {
    const y = new Uint8Array(4 * 2).fill(100);
    const u = new Uint8Array(2 * 1).fill(110);
    const v = new Uint8Array(2 * 1).fill(120);
    const buffer = encodeFrame(0, 4, 2, 77, 1_700_000_000_123.5, { y, u, v });
    const parsed = parseFrame(buffer);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const f = parsed.frame;
    expect([f.stream, f.width, f.height, f.seq, f.timestampMs]).toEqual([0, 4, 2, 77, 1_700_000_000_123.5]);
    expect([...f.y]).toEqual([...y]);
    expect([...f.u]).toEqual([110, 110]);
    expect([...f.v]).toEqual([120, 120]);
  });

  it("uses the documented little-endian layout", () => {
    const buffer = encodeFrame(2, 640, 360, 0x01020304, 0);
    const bytes = new Uint8Array(buffer);
    expect([...bytes.slice(0, 4)]).toEqual([0x44, 0x55, 0x46, 0x31]); // "DUF1"
    expect(new DataView(buffer).getUint32(0, true)).toBe(FRAME_MAGIC);
    expect(bytes[4]).toBe(2);
    expect([...bytes.slice(5, 8)]).toEqual([0, 0, 0]);
    expect([...bytes.slice(8, 12)]).toEqual([0x80, 0x02, 0x68, 0x01]); // 640, 360
    expect([...bytes.slice(12, 16)]).toEqual([4, 3, 2, 1]);
    expect(buffer.byteLength).toBe(HEADER_BYTES + 640 * 360 * 3 / 2);
  });

  it("returns an error for a buffer shorter than the header", () => {
    expect(parseFrame(new ArrayBuffer(0))).toMatchObject({ ok: false });
    const short = parseFrame(new ArrayBuffer(23));
    expect(short.ok).toBe(false);
    if (!short.ok) expect(short.error).toContain("shorter");
  });

  it("returns an error for a bad magic", () => {
    const buffer = encodeFrame(0, 2, 2, 0, 0);
    new DataView(buffer).setUint32(0, 0x12345678, true);
    const parsed = parseFrame(buffer);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toContain("magic");
  });

  it("returns an error when the planes are truncated or too long", () => {
    const full = encodeFrame(0, 4, 4, 0, 0);
    expect(parseFrame(full.slice(0, full.byteLength - 1)).ok).toBe(false);
    const long = new ArrayBuffer(full.byteLength + 1);
    new Uint8Array(long).set(new Uint8Array(full));
    expect(parseFrame(long).ok).toBe(false);
  });

  it("returns errors for an unknown stream, odd or zero sizes and a non-finite timestamp", () => {
    expect(parseFrame(encodeFrame(4, 2, 2, 0, 0)).ok).toBe(false);
    expect(parseFrame(encodeFrame(3, 2, 2, 0, 0)).ok).toBe(true);
    expect(parseFrame(encodeFrame(0, 3, 2, 0, 0)).ok).toBe(false);
    expect(parseFrame(encodeFrame(0, 0, 2, 0, 0)).ok).toBe(false);
    expect(parseFrame(encodeFrame(0, 2, 2, 0, Number.NaN)).ok).toBe(false);
  });

  it("never throws, whatever the bytes", () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) & 0xff);
    for (let n = 0; n < 500; n++) {
      const bytes = new Uint8Array(n % 64);
      bytes.forEach((_, i) => (bytes[i] = random()));
      if (n % 3 === 0 && bytes.length >= 4) new DataView(bytes.buffer).setUint32(0, FRAME_MAGIC, true);
      expect(() => parseFrame(bytes.buffer)).not.toThrow();
    }
  });
});

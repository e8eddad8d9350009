import { describe, expect, it } from "vitest";

const last = <T>(items: T[]): T => items[items.length - 1];
import { FramesClient } from "../src/frames/client";
import { encodeFrame, type Frame } from "../src/frames/header";

class FakeSocket {
  binaryType = "blob";
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: unknown }) => void) | null = null;
  onclose: (() => void) | null = null;
  onerror: (() => void) | null = null;
  closed = false;
  readyState = 0;
  sent: number[][] = [];
  constructor(readonly url: string) {}
  send(data: ArrayBuffer) {
    this.sent.push([...new Uint8Array(data)]);
  }
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
  close() {
    this.closed = true;
  }
}

function harness() {
  const sockets: FakeSocket[] = [];
  const timers: { cb: () => void; ms: number }[] = [];
  const frames: Frame[] = [];
  const bad: string[] = [];
  const client = new FramesClient({
    url: "ws://127.0.0.1:5000/frames?secret=s",
    onFrame: (f) => frames.push(f),
    onBadFrame: (r) => bad.push(r),
    createSocket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s as unknown as WebSocket;
    },
    setTimer: (cb, ms) => timers.push({ cb, ms }),
  });
  return { client, sockets, timers, frames, bad };
}

describe("FramesClient", () => {
  it("opens the framesUrl for binary messages and hands parsed frames on", () => {
    const h = harness();
    h.client.start();
    expect(h.sockets[0].url).toBe("ws://127.0.0.1:5000/frames?secret=s");
    expect(h.sockets[0].binaryType).toBe("arraybuffer");
    h.sockets[0].onmessage?.({ data: encodeFrame(0, 2, 2, 9, 1) });
    expect(h.frames.map((f) => f.seq)).toEqual([9]);
  });

  it("acknowledges every frame taken with a one-byte receipt naming its stream, even a malformed one", () => {
    const h = harness();
    h.client.start();
    h.sockets[0].open();
    h.sockets[0].onmessage?.({ data: encodeFrame(0, 2, 2, 1, 1) });
    h.sockets[0].onmessage?.({ data: encodeFrame(1, 2, 2, 1, 1) });
    const broken = encodeFrame(2, 4, 4, 1, 1).slice(0, 30); // planes cut short
    h.sockets[0].onmessage?.({ data: broken });
    expect(h.sockets[0].sent).toEqual([[0], [1], [2]]);
    expect(h.frames.map((f) => f.stream)).toEqual([0, 1]);
    expect(h.bad.length).toBe(1);
    h.sockets[0].onmessage?.({ data: new ArrayBuffer(3) }); // too short to name a stream
    expect(h.sockets[0].sent.length).toBe(3);
  });

  it("sends each stream's display size once per change, and all of them again on reconnect", () => {
    const h = harness();
    h.client.report(0, 1100, 527); // before any socket: kept for the open
    h.client.start();
    expect(h.sockets[0].sent).toEqual([]);
    h.sockets[0].open();
    expect(h.sockets[0].sent).toEqual([[0, 0x4c, 0x04, 0x0f, 0x02]]);
    h.client.report(0, 1100, 527);
    h.client.report(1, 241.6, 136.2);
    h.client.report(1, 242, 136);
    expect(h.sockets[0].sent.slice(1)).toEqual([[1, 242, 0, 136, 0]]);

    h.sockets[0].readyState = 3;
    h.client.report(0, 800, 450); // socket closing: not written, still remembered
    expect(h.sockets[0].sent.length).toBe(2);
    h.sockets[0].onclose?.();
    h.timers[0].cb();
    h.sockets[1].open();
    expect(h.sockets[1].sent).toEqual([
      [0, 0x20, 0x03, 0xc2, 0x01],
      [1, 242, 0, 136, 0],
    ]);
  });

  it("does not send sizes the message cannot carry or that show nothing", () => {
    const h = harness();
    h.client.start();
    h.sockets[0].open();
    for (const [w, h2] of [[0, 100], [100, 1], [70000, 100], [Number.NaN, 100]]) h.client.report(0, w, h2);
    expect(h.sockets[0].sent).toEqual([]);
  });

  it("reports malformed and text messages instead of throwing", () => {
    const h = harness();
    h.client.start();
    h.sockets[0].onmessage?.({ data: new ArrayBuffer(3) });
    h.sockets[0].onmessage?.({ data: "hello" });
    expect(h.bad.length).toBe(2);
    expect(h.frames).toEqual([]);
  });

  it("reconnects after a close with a growing, capped delay, reset by a successful open", () => {
    const h = harness();
    h.client.start();
    for (let i = 0; i < 6; i++) {
      last(h.sockets)!.onclose?.();
      last(h.timers)!.cb();
    }
    expect(h.timers.map((t) => t.ms)).toEqual([250, 500, 1000, 2000, 3000, 3000]);
    expect(h.sockets.length).toBe(7);
    last(h.sockets)!.onopen?.();
    last(h.sockets)!.onclose?.();
    expect(last(h.timers)!.ms).toBe(250);
  });

  it("stays closed after stop()", () => {
    const h = harness();
    h.client.start();
    h.client.stop();
    expect(h.sockets[0].closed).toBe(true);
    h.sockets[0].onclose?.();
    expect(h.timers).toEqual([]);
  });
});

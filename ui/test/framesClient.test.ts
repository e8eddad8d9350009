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
  constructor(readonly url: string) {}
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

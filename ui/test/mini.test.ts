// @vitest-environment jsdom
// The mini window's page (src/mini/miniApp.ts): the peer and call time from the state, mute and
// hang up through the backend, back-to-the-app by closing its own window, the remote stream drawn
// from its own frames socket without ever reporting a display size (the main window's size rules).
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { AppState, CallInfo } from "../src/backend/types";
import { FRAME_MAGIC, HEADER_BYTES, STREAM_REMOTE } from "../src/frames/header";
import { setLocale } from "../src/i18n/i18n";
import { startMini } from "../src/mini/miniApp";
import { bootstrapWith, byTestId, FakeBackend, IDLE, settle, visible } from "./fakeBackend";

const NOW = 1_800_000_000_000;
const call = (over: Partial<CallInfo> = {}): CallInfo => ({
  callId: "c1", peer: "bob", peerNick: "Bob", callType: 2, outgoing: true, answeredAtMs: NOW - 65_000,
  muted: false, cameraOn: true, remoteAudio: true, remoteVideo: true, remoteVideoPaused: false, switchRequest: null, sharing: false, remoteSharing: false,
  devices: { camera: "ok", microphone: "ok" }, ...over,
});
const inCall = (over: Partial<CallInfo> = {}): AppState => ({ ...IDLE, status: "in_call", call: call(over) });

/** A frames socket the test drives: what the page sends, and frames pushed to it. */
class TestSocket {
  binaryType = "";
  readyState = 1;
  sent: ArrayBuffer[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onclose: (() => void) | null = null;
  onerror: (() => void) | null = null;
  send(data: ArrayBuffer) {
    this.sent.push(data);
  }
  close() {}
}

/** A 4x2 remote frame as the backend packs it (docs/app-interface.md, Frames). */
function remoteFrame(sequence: number): ArrayBuffer {
  const width = 4;
  const height = 2;
  const buffer = new ArrayBuffer(HEADER_BYTES + width * height + 2 * (width / 2) * (height / 2));
  const view = new DataView(buffer);
  view.setUint32(0, FRAME_MAGIC, true);
  view.setUint8(4, STREAM_REMOTE);
  view.setUint16(8, width, true);
  view.setUint16(10, height, true);
  view.setUint32(12, sequence, true);
  view.setFloat64(16, NOW, true);
  return buffer;
}

let draws = 0;
beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(NOW);
  setLocale("en");
  draws = 0;
  // jsdom has no WebGL: a stand-in context counting draws.
  const gl = new Proxy({}, {
    get: (_target, name) => {
      if (name === "drawArrays") return () => { draws += 1; };
      if (name === "getShaderParameter" || name === "getProgramParameter") return () => true;
      if (typeof name === "string" && /^[A-Z_]+$/.test(name)) return 0;
      return () => ({});
    },
  });
  HTMLCanvasElement.prototype.getContext = (() => gl) as never;
  vi.stubGlobal("requestAnimationFrame", (cb: () => void) => setTimeout(cb, 0));
  vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

async function start(state: AppState = inCall()) {
  const backend = new FakeBackend(bootstrapWith(state), "mini");
  const sockets: TestSocket[] = [];
  const mount = document.createElement("div");
  document.body.replaceChildren(mount);
  await startMini(backend, mount, {
    createSocket: () => {
      const socket = new TestSocket();
      sockets.push(socket);
      return socket as unknown as WebSocket;
    },
  });
  await settle();
  return { backend, sockets };
}

describe("the mini window", () => {
  it("shows the peer and the call time, mutes, hangs up and goes back to the app", async () => {
    const { backend } = await start();
    expect(byTestId("mini-peer").textContent).toBe("Bob");
    expect(byTestId("mini-time").textContent).toBe("01:05");
    expect(byTestId("mini-back").getAttribute("aria-label")).toBe("Back to Duet");
    byTestId("mini-mute").click();
    await settle();
    expect(backend.last("set_muted")?.args).toEqual({ muted: true });
    backend.emit("app-state", inCall({ muted: true }));
    expect(byTestId("mini-mute").getAttribute("aria-pressed")).toBe("true");
    expect(byTestId("mini-mute").getAttribute("aria-label")).toBe("Unmute");
    // The page re-renders twice a second; the icon under the pointer stays the same node unless
    // the state changes it (WebKit drops a click whose pressed node left the page).
    const iconNode = byTestId("mini-mute").firstElementChild;
    backend.emit("app-state", inCall({ muted: true }));
    expect(byTestId("mini-mute").firstElementChild).toBe(iconNode);
    byTestId("mini-mute").click();
    byTestId("mini-hangup").click();
    await settle();
    expect(backend.calls.slice(-2).map((c) => [c.command, c.args])).toEqual([
      ["set_muted", { muted: false }],
      ["hangup", undefined],
    ]);
    expect(backend.closed).toBe(false);
    byTestId("mini-back").click();
    await settle();
    expect(backend.closed).toBe(true);
    setLocale("zh");
    expect(byTestId("mini-back").getAttribute("aria-label")).toBe("返回 Duet");
  });

  it("draws the remote stream from its own socket and never reports a display size", async () => {
    const { sockets } = await start();
    expect(sockets).toHaveLength(1);
    const socket = sockets[0];
    socket.onopen?.();
    for (let i = 1; i <= 3; i++) {
      socket.onmessage?.({ data: remoteFrame(i) } as MessageEvent);
      await settle();
    }
    expect(draws).toBe(3);
    // Receipts only (one byte each): a display-size message (5 bytes) would shrink the frames the
    // main window shows.
    expect(socket.sent.map((m) => m.byteLength)).toEqual([1, 1, 1]);
  });

  it("shows the peer's avatar instead of the picture when the peer's camera is off or the call is audio", async () => {
    const { backend } = await start(inCall({ remoteVideo: false }));
    expect(visible("mini-placeholder")).toBe(true);
    expect(visible("mini-video")).toBe(false);
    backend.emit("app-state", inCall());
    expect(visible("mini-video")).toBe(true);
    backend.emit("app-state", inCall({ callType: 1 }));
    expect(visible("mini-placeholder")).toBe(true);
  });
});

// @vitest-environment jsdom
// Each window's capability (src-tauri/capabilities/*.json) against what its page calls
// (docs/app.md, Links and consent): the popup, driven through everything it can do, must call
// exactly the commands its capability allows; every command the main window is allowed is called
// somewhere in the main window's code. The Rust side pins the sets (src-tauri/src/shell/capabilities.rs).
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import mainCapability from "../../src-tauri/capabilities/main.json";
import miniCapability from "../../src-tauri/capabilities/mini.json";
import popupCapability from "../../src-tauri/capabilities/popup.json";
import type { AppState } from "../src/backend/types";
import { setLocale } from "../src/i18n/i18n";
import { startMini } from "../src/mini/miniApp";
import { startPopup } from "../src/popup/popupApp";
import { bootstrapWith, byTestId, FakeBackend, IDLE, pressWith, settle } from "./fakeBackend";

/** The app commands a capability allows (`allow-sign-in` is `sign_in`). */
function allowed(capability: { permissions: string[] }): string[] {
  return capability.permissions
    .filter((p) => p.startsWith("allow-") && !p.includes(":"))
    .map((p) => p.slice("allow-".length).replace(/-/g, "_"))
    .sort();
}

const ringing = (callId: string): AppState => ({
  ...IDLE, status: "ringing", invite: { callId, from: "bob", nick: "Bob", callType: 2 },
});

beforeEach(() => {
  setLocale("en");
  vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => vi.restoreAllMocks());

describe("the popup's capability", () => {
  it("is exactly what the popup calls when it does everything it can", async () => {
    expect(popupCapability.windows).toEqual(["popup"]);
    const backend = new FakeBackend(bootstrapWith(ringing("a")), "popup");
    const mount = document.createElement("div");
    document.body.replaceChildren(mount);
    await startPopup(backend, mount);
    await settle();
    byTestId("popup-silence").click();
    byTestId("popup-accept-audio").click();
    await settle();
    backend.emit("app-state", ringing("b"));
    byTestId("popup-accept-video").click();
    await settle();
    backend.emit("app-state", ringing("c"));
    byTestId("popup-decline").click();
    await settle();
    backend.emit("app-state", ringing("d"));
    pressWith("s", { altKey: true });
    pressWith("a", { altKey: true });
    await settle();
    backend.emit("app-state", ringing("e"));
    pressWith("Escape");
    await settle();
    const called = [...new Set(backend.commands())].sort();
    expect(called).toEqual(allowed(popupCapability));
  });
});

describe("the mini window's capability", () => {
  it("is exactly what the mini window calls when it does everything it can", async () => {
    expect(miniCapability.windows).toEqual(["mini"]);
    const inCall: AppState = {
      ...IDLE, status: "in_call",
      call: {
        callId: "c1", peer: "bob", peerNick: "Bob", callType: 2, outgoing: true, answeredAtMs: 0, muted: false,
        cameraOn: true, remoteAudio: true, remoteVideo: true, remoteVideoPaused: false, switchRequest: null, sharing: true, remoteSharing: false, devices: { camera: "ok", microphone: "ok" },
      },
    };
    const backend = new FakeBackend(bootstrapWith(inCall), "mini");
    const mount = document.createElement("div");
    document.body.replaceChildren(mount);
    await startMini(backend, mount, { createSocket: () => ({ close() {} }) as unknown as WebSocket });
    await settle();
    byTestId("mini-mute").click();
    byTestId("mini-hangup").click();
    byTestId("mini-share-stop").click();
    byTestId("mini-back").click();
    await settle();
    const called = [...new Set(backend.commands())].sort();
    expect(called).toEqual(allowed(miniCapability));
    // Of Tauri's window commands, closing itself (back to the app), as mini.json allows.
    expect(backend.closed).toBe(true);
    expect(miniCapability.permissions.filter((p) => p.startsWith("core:window:"))).toEqual(["core:window:allow-close"]);
  });
});

describe("the main window's capability", () => {
  // The page's sources (not the popup's), and the Commands class that names each command.
  const sources = import.meta.glob("../src/**/*.ts", { query: "?raw", import: "default", eager: true }) as Record<string, string>;
  const commandsSource = sources["../src/backend/commands.ts"];
  /** Command name -> the Commands method that invokes it. */
  const methods = new Map(
    [...commandsSource.matchAll(/(\w+) = \([^)]*\) => this\.run\("(\w+)"/g)].map((m) => [m[2], m[1]]),
  );
  const mainCode = Object.entries(sources)
    .filter(([path]) => !path.startsWith("../src/popup/") && !path.startsWith("../src/mini/") && path !== "../src/backend/commands.ts" && !path.endsWith("contract.ts"))
    .map(([, text]) => text)
    .join("\n");

  it("lists only commands the main window's code calls", () => {
    expect(mainCapability.windows).toEqual(["main"]);
    const unused = allowed(mainCapability).filter((command) => {
      const method = methods.get(command);
      return !method || !mainCode.includes(`.${method}(`);
    });
    expect(unused).toEqual([]);
  });

  it("covers every command the Commands class has", () => {
    expect([...methods.keys()].sort()).toEqual(allowed(mainCapability));
  });
});

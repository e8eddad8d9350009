// @vitest-environment jsdom
// The popup window against a mocked backend: what it shows, its keys, its buttons and its ringtone.
// Its focus and its place on the screen are the Rust side's (shell/popup_window.rs) and the GUI
// test's.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { AppState } from "../src/backend/types";
import { setLocale } from "../src/i18n/i18n";
import { startPopup } from "../src/popup/popupApp";
import { bootstrapWith, byTestId, FakeBackend, IDLE, press, pressWith, settle } from "./fakeBackend";

const ringing = (callType: 1 | 2, callId = "c7"): AppState => ({
  ...IDLE, status: "ringing", invite: { callId, from: "bob", nick: "Bob", callType },
});

async function start(state: AppState) {
  const backend = new FakeBackend(bootstrapWith(state), "popup");
  const mount = document.createElement("div");
  document.body.replaceChildren(mount);
  await startPopup(backend, mount);
  await settle();
  return backend;
}

beforeEach(() => {
  setLocale("en");
  vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => vi.restoreAllMocks());

describe("popup", () => {
  it("shows the caller and the call type", async () => {
    await start(ringing(2));
    expect(byTestId("popup").dataset.ringing).toBe("true");
    expect(byTestId("popup-caller").textContent).toBe("Bob");
    expect(byTestId("popup-kind").textContent).toBe("Incoming video call");
    for (const id of ["popup-accept-video", "popup-accept-audio", "popup-decline"]) expect(byTestId(id)).toBeTruthy();
  });

  it("a bare Enter never accepts, wherever it lands", async () => {
    const backend = await start(ringing(1));
    press("Enter");
    pressWith("Enter", {}, byTestId("popup"));
    press(" ");
    await settle();
    expect(backend.commands().filter((c) => c === "accept" || c === "reject")).toEqual([]);
    expect(byTestId("popup").dataset.ringing).toBe("true");
  });

  it("Alt+A accepts as the invite's type (the backend brings the main window up)", async () => {
    const backend = await start(ringing(1));
    pressWith("a", { altKey: true });
    await settle();
    expect(backend.calls.slice(-1).map((c) => [c.command, c.args])).toEqual([["accept", { callType: 1 }]]);
  });

  it("a button focused during an earlier invite is not focused when the next one rings", async () => {
    const backend = await start(ringing(2, "first"));
    byTestId("popup-accept-video").focus();
    expect(document.activeElement).toBe(byTestId("popup-accept-video"));
    backend.emit("app-state", IDLE);
    backend.emit("app-state", ringing(2, "second"));
    await settle();
    expect(document.activeElement).not.toBe(byTestId("popup-accept-video"));
    expect(byTestId("popup").contains(document.activeElement)).toBe(false);
  });

  it("says its keys and labels in Chinese", async () => {
    await start(ringing(2));
    setLocale("zh");
    expect(byTestId("popup-silence").textContent).toBe("静音");
    expect(document.querySelector(".popup-keys")?.textContent).toBe("Alt+A 接听 · Esc 拒绝 · Alt+S 静音");
    setLocale("en");
    expect(document.querySelector(".popup-keys")?.textContent).toBe("Alt+A to accept · Esc to decline · Alt+S to silence");
  });

  it("Escape declines, once, even if pressed twice", async () => {
    const backend = await start(ringing(2));
    press("Escape");
    press("Escape");
    await settle();
    expect(backend.commands().filter((c) => c === "reject")).toEqual(["reject"]);
  });

  it("the buttons accept as video, as audio, or decline", async () => {
    const backend = await start(ringing(2, "a"));
    byTestId("popup-accept-audio").click();
    await settle();
    expect(backend.last("accept")?.args).toEqual({ callType: 1 });
    backend.emit("app-state", ringing(1, "b"));
    byTestId("popup-accept-video").click();
    await settle();
    expect(backend.last("accept")?.args).toEqual({ callType: 2 });
    backend.emit("app-state", ringing(1, "c"));
    byTestId("popup-decline").click();
    await settle();
    expect(backend.commands()).toContain("reject");
  });

  it("keys do nothing once the invite has ended", async () => {
    const backend = await start(ringing(2));
    backend.emit("app-state", IDLE);
    pressWith("a", { altKey: true });
    press("Escape");
    await settle();
    expect(backend.commands().filter((c) => c === "accept" || c === "reject")).toEqual([]);
    expect(byTestId("popup").dataset.ringing).toBe("false");
  });
});

describe("states that cross", () => {
  it("drops a state older than the one shown", async () => {
    const backend = await start(IDLE);
    backend.emitExact("app-state", { ...ringing(2), revision: 2 });
    backend.emitExact("app-state", { ...IDLE, revision: 1 });
    expect(byTestId("popup").dataset.ringing).toBe("true");
  });

  it("listens before it asks: an invite that ended during bootstrap does not ring", async () => {
    const backend = new FakeBackend(bootstrapWith(ringing(2)), "popup");
    // The invite is answered on another device while the bootstrap reply is on its way.
    backend.onReply("bootstrap", () => backend.emitExact("app-state", { ...IDLE, revision: 1 }));
    const mount = document.createElement("div");
    document.body.replaceChildren(mount);
    await startPopup(backend, mount);
    await settle();
    expect(byTestId("popup").dataset.ringing).toBe("false");
  });
});

describe("popup ringtone", () => {
  it("rings while the invite rings and stops at once when it ends or is answered", async () => {
    const { popupView } = await import("../src/popup/popupApp");
    const { Commands } = await import("../src/backend/commands");
    const backend = new FakeBackend(bootstrapWith(IDLE), "popup");
    const played: (string | null)[] = [];
    const view = popupView(new Commands(backend), { play: (kind) => played.push(kind) });
    view.update(ringing(2));
    view.update(IDLE);
    expect(played).toEqual(["ringtone", null]);
    view.update(ringing(2, "next"));
    await view.act({ kind: "accept", callType: 2 });
    expect(played).toEqual(["ringtone", null, "ringtone", null]);
  });

  it("Silence stops the ringtone without declining; the invite still rings on screen, and the next one rings aloud", async () => {
    const { popupView } = await import("../src/popup/popupApp");
    const { Commands } = await import("../src/backend/commands");
    const backend = new FakeBackend(bootstrapWith(IDLE), "popup");
    const played: (string | null)[] = [];
    const view = popupView(new Commands(backend), { play: (kind) => played.push(kind) });
    document.body.replaceChildren(view.root);
    view.update(ringing(2, "a"));
    byTestId("popup-silence").click();
    await settle();
    expect(played).toEqual(["ringtone", null]);
    expect(backend.calls).toEqual([]);
    expect(view.root.dataset.ringing).toBe("true");
    expect(view.root.dataset.silenced).toBe("true");
    expect(byTestId<HTMLButtonElement>("popup-silence").disabled).toBe(true);
    expect(byTestId("popup-silence").textContent).toBe("Silenced");
    // Later states of the same invite stay quiet; accepting it still works.
    view.update(ringing(2, "a"));
    expect(played).toEqual(["ringtone", null, null]);
    await view.act({ kind: "accept", callType: 1 });
    expect(backend.commands()).toEqual(["accept"]);
    view.update(IDLE);
    view.update(ringing(1, "b"));
    expect(played[played.length - 1]).toBe("ringtone");
    expect(view.root.dataset.silenced).toBe("false");
  });

  it("Alt+S silences from the keyboard", async () => {
    const played: (string | null)[] = [];
    const { popupView } = await import("../src/popup/popupApp");
    const { Commands } = await import("../src/backend/commands");
    const backend = new FakeBackend(bootstrapWith(IDLE), "popup");
    const view = popupView(new Commands(backend), { play: (kind) => played.push(kind) });
    view.update(ringing(2, "a"));
    pressWith("s", { altKey: true });
    await settle();
    expect(played).toEqual(["ringtone", null]);
    expect(backend.calls).toEqual([]);
  });
});

// @vitest-environment jsdom
// The popup window against a mocked backend: what it shows, its keys, its buttons and its ringtone.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { AppState } from "../src/backend/types";
import { setLocale } from "../src/i18n/i18n";
import { startPopup } from "../src/popup/popupApp";
import { bootstrapWith, byTestId, FakeBackend, IDLE, press, settle } from "./fakeBackend";

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

  it("Enter accepts as the invite's type and brings the main window up", async () => {
    const backend = await start(ringing(1));
    press("Enter");
    await settle();
    expect(backend.calls.slice(-2).map((c) => [c.command, c.args])).toEqual([["accept", { callType: 1 }], ["show_main", undefined]]);
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
    press("Enter");
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
});

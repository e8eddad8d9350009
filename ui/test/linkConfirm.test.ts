// @vitest-environment jsdom
// duet://call links ask before they call (docs/app.md, Links and consent): the main window's confirm
// panel, against a mocked backend that sends `call-link` and `link-error` as the Rust side does.
import { describe, expect, it } from "vitest";
import type { AppState, CallLink } from "../src/backend/types";
import { setLocale } from "../src/i18n/i18n";
import { bootstrapWith, byTestId, FakeBackend, IDLE, pressWith, settle, SIGNED_OUT, visible } from "./fakeBackend";
import { mountMainWindow, usePageEnvironment } from "./mainWindow";

usePageEnvironment();

const BOB: CallLink = { account: "bob", callType: 2 };

async function start(state: AppState = IDLE, callLink: CallLink | null = null) {
  const backend = new FakeBackend({ ...bootstrapWith(state), callLink });
  await mountMainWindow(backend);
  return backend;
}

const placed = (backend: FakeBackend) => backend.calls.filter((c) => c.command === "call");

describe("a duet://call link", () => {
  it("asks first: who it would call, and nothing is called until the user picks", async () => {
    const backend = await start();
    expect(visible("link-confirm")).toBe(false);
    backend.emit("call-link", BOB);
    await settle();
    expect(visible("link-confirm")).toBe(true);
    // The contact's nick, and the account it stands for.
    expect(byTestId("link-callee").textContent).toBe("Call Bob?");
    expect(byTestId("link-account").textContent).toBe("bob");
    expect(visible("link-account")).toBe(true);
    expect(placed(backend)).toEqual([]);
    // Cancel has the focus: a stray Enter cannot call.
    expect(document.activeElement).toBe(byTestId("link-cancel"));

    byTestId("link-call-audio").click();
    await settle();
    expect(placed(backend).map((c) => c.args)).toEqual([{ account: "bob", callType: 1 }]);
    expect(backend.commands()).toContain("dismiss_call_link");
    expect(visible("link-confirm")).toBe(false);
  });

  it("calls by video when the user picks video", async () => {
    const backend = await start();
    backend.emit("call-link", { account: "bob", callType: 1 });
    await settle();
    byTestId("link-call-video").click();
    await settle();
    expect(placed(backend).map((c) => c.args)).toEqual([{ account: "bob", callType: 2 }]);
  });

  it("Cancel and Esc drop it and call nobody", async () => {
    const backend = await start();
    backend.emit("call-link", BOB);
    await settle();
    byTestId("link-cancel").click();
    await settle();
    expect(visible("link-confirm")).toBe(false);
    backend.emit("call-link", BOB);
    await settle();
    pressWith("Escape", {}, document.activeElement ?? document);
    await settle();
    expect(visible("link-confirm")).toBe(false);
    expect(placed(backend)).toEqual([]);
    expect(backend.commands().filter((c) => c === "dismiss_call_link")).toHaveLength(2);
  });

  it("names an account that is not a contact by the account alone", async () => {
    const backend = await start();
    backend.emit("call-link", { account: "zed", callType: 2 });
    await settle();
    expect(byTestId("link-callee").textContent).toBe("Call zed?");
    expect(visible("link-account")).toBe(false);
  });

  it("that arrived before the page started is asked about at start", async () => {
    const backend = await start(IDLE, BOB);
    expect(visible("link-confirm")).toBe(true);
    expect(placed(backend)).toEqual([]);
  });

  it("waits while the app is signed out or in a call, and can be used once it is idle", async () => {
    const backend = await start(SIGNED_OUT, BOB);
    expect(visible("link-confirm")).toBe(true);
    expect(visible("link-not-ready")).toBe(true);
    expect(byTestId<HTMLButtonElement>("link-call-video").disabled).toBe(true);
    byTestId("link-call-video").click();
    await settle();
    expect(placed(backend)).toEqual([]);
    backend.emit("app-state", IDLE);
    await settle();
    expect(visible("link-not-ready")).toBe(false);
    byTestId("link-call-video").click();
    await settle();
    expect(placed(backend).map((c) => c.args)).toEqual([{ account: "bob", callType: 2 }]);
  });

  it("asks in Chinese", async () => {
    const backend = await start();
    setLocale("zh");
    backend.emit("call-link", BOB);
    await settle();
    expect(byTestId("link-callee").textContent).toBe("呼叫 Bob？");
    expect(byTestId("link-call-audio").textContent).toBe("语音通话");
    expect(byTestId("link-cancel").textContent).toBe("取消");
  });
});

describe("a duet: link the app does not understand", () => {
  it("is said, and nothing else happens", async () => {
    const backend = await start();
    const before = backend.calls.length;
    backend.emit("link-error", { problem: "bad_account", link: "duet://call/b%20b" });
    await settle();
    expect(document.querySelector(".toast-error")?.textContent).toBe(
      "This duet: link cannot be opened (duet://call/b%20b): the account in it is not a valid account name.");
    expect(backend.calls.length).toBe(before);
    expect(visible("link-confirm")).toBe(false);
  });

  it("is said in Chinese", async () => {
    const backend = await start();
    setLocale("zh");
    backend.emit("link-error", { problem: "unknown", link: "duet://chat/bob" });
    await settle();
    expect(document.querySelector(".toast-error")?.textContent).toBe(
      "无法打开此 duet: 链接（duet://chat/bob）：Duet 只能打开 duet://call/<账号> 和 duet://join?server=<地址> 链接。");
  });
});

// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { clampInset, groupTargets, INSET_MARGIN, keepChoice, shareEndKey, targetName } from "../src/app/screenShare";
import { shareToast } from "../src/app/shareToast";
import type { AppState, ShareTarget } from "../src/backend/contract";
import { setLocale, t } from "../src/i18n/i18n";

const target = (id: string, kind: ShareTarget["kind"], title = ""): ShareTarget => ({ id, kind, title, width: 800, height: 600 });
const LIST = [target("screen", "screen", "Entire screen"), target("window:0x2", "window", "Notes"), target("window:0x3", "window", "  ")];

describe("the picker's targets", () => {
  beforeEach(() => setLocale("en"));

  it("are grouped screens first and named: screens numbered, windows by title or 'Untitled'", () => {
    const groups = groupTargets(LIST);
    expect(groups.screens.map((s) => s.id)).toEqual(["screen"]);
    expect(groups.windows.map((w) => w.id)).toEqual(["window:0x2", "window:0x3"]);
    expect(LIST.map((x) => targetName(x, groups, t))).toEqual(["Entire screen 1", "Notes", "Untitled window"]);
    setLocale("zh");
    expect(targetName(LIST[0], groups, t)).toBe("整个屏幕 1");
  });

  it("on Wayland: the one portal target is among the screens and says the desktop will ask", () => {
    const portal = [target("portal", "portal", "Screen or window (chosen in the system dialog)")];
    const groups = groupTargets(portal);
    expect(groups.screens.map((s) => s.id)).toEqual(["portal"]);
    expect(targetName(portal[0], groups, t)).toBe("Screen or window (chosen in the system dialog)");
    setLocale("zh");
    expect(targetName(portal[0], groups, t)).toBe("屏幕或窗口（在系统对话框中选择）");
  });

  it("keep the choice while its target is listed, and drop it when it goes", () => {
    expect(keepChoice("window:0x2", LIST)).toBe("window:0x2");
    expect(keepChoice("window:0x9", LIST)).toBeNull();
    expect(keepChoice(null, LIST)).toBeNull();
  });
});

describe("a share that ended by itself", () => {
  it("says the known causes in the user's words and anything else as it came", () => {
    expect(shareEndKey("the shared window was closed")).toBe("share.end.closed");
    expect(shareEndKey("no window 0x1a00003 on this display")).toBe("share.end.closed");
    expect(shareEndKey("the shared window was minimised")).toBe("share.end.minimised");
    expect(shareEndKey("cannot connect to X display: :9")).toBe("share.end.display");
    expect(shareEndKey("the screen-cast portal refused the request")).toBe("share.end.refused");
    expect(shareEndKey("encoder exploded")).toBe("share.end.other");
  });

  it("gets a toast; the peer's start and stop name the peer; this user's own start or stop none", () => {
    setLocale("en");
    const state = { call: { peer: "bob", peerNick: "Bob" } } as unknown as AppState;
    expect(shareToast({ event: "SCREEN_SHARE_STARTED", remote: true }, state)).toBe("Bob started sharing their screen");
    expect(shareToast({ event: "SCREEN_SHARE_STOPPED", remote: true, reason: null }, state)).toBe("Bob stopped sharing their screen");
    expect(shareToast({ event: "SCREEN_SHARE_STOPPED", remote: false, reason: "the shared window was closed" }, state))
      .toBe("Your screen share ended: the shared window was closed");
    expect(shareToast({ event: "SCREEN_SHARE_STOPPED", remote: false, reason: "weird" }, state))
      .toBe("Your screen share ended: weird");
    expect(shareToast({ event: "SCREEN_SHARE_STARTED", remote: false }, state)).toBeNull();
    expect(shareToast({ event: "SCREEN_SHARE_STOPPED", remote: false, reason: null }, state)).toBeNull();
    expect(shareToast({ event: "CALL_END" }, state)).toBeNull();
  });
});

describe("the camera inset over a shared screen", () => {
  const stage = { width: 1000, height: 600 };
  const inset = { width: 200, height: 112 };

  it("moves where it is dragged but stays wholly inside the stage", () => {
    expect(clampInset(300, 200, inset, stage)).toEqual({ x: 300, y: 200 });
    expect(clampInset(-50, -50, inset, stage)).toEqual({ x: INSET_MARGIN, y: INSET_MARGIN });
    expect(clampInset(5000, 5000, inset, stage)).toEqual({ x: 1000 - 200 - INSET_MARGIN, y: 600 - 112 - INSET_MARGIN });
  });

  it("sticks to the top-left corner of a stage smaller than itself", () => {
    expect(clampInset(50, 50, inset, { width: 100, height: 80 })).toEqual({ x: INSET_MARGIN, y: INSET_MARGIN });
  });
});

describe("the picker", () => {
  afterEach(() => vi.useRealTimers());

  it("lists live thumbnails, refreshes each second, shares the chosen target and closes on Escape", async () => {
    vi.useFakeTimers();
    setLocale("en");
    const { sharePicker } = await import("../src/views/sharePicker");
    const calls: string[] = [];
    let thumbs = 0;
    const commands = {
      shareTargets: async () => { calls.push("targets"); return LIST; },
      // Two pixels, red and blue.
      shareThumbnail: async () => { thumbs += 1; return { width: 2, height: 1, rgba: btoa("\xff\0\0\xff\0\0\xff\xff") }; },
      startScreenShare: async (id: string) => { calls.push(`share ${id}`); return null; },
    };
    const ctx = { commands, run: <T>(p: Promise<T>) => p } as never;
    const picker = sharePicker(ctx);
    document.body.replaceChildren(picker.root);
    const q = (sel: string) => [...picker.root.querySelectorAll<HTMLElement>(sel)];

    picker.open();
    await vi.advanceTimersByTimeAsync(0);
    expect(q('[data-testid="share-target"]').map((c) => c.dataset.id)).toEqual(["screen", "window:0x2", "window:0x3"]);
    // Each card's canvas took its thumbnail's size (jsdom has no 2D context to draw with).
    expect(q("canvas").map((c) => [(c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height])).toEqual([[2, 1], [2, 1], [2, 1]]);
    expect((q('[data-testid="share-start"]')[0] as HTMLButtonElement).disabled).toBe(true);
    const before = q('[data-testid="share-target"]');
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls.filter((c) => c === "targets").length).toBe(2);
    expect(thumbs).toBe(6);
    // The refresh kept the cards themselves: one rebuilt under a press would lose its click.
    expect(q('[data-testid="share-target"]').every((c, i) => c === before[i])).toBe(true);

    q('[data-id="window:0x2"]')[0].click();
    expect(q('[data-id="window:0x2"]')[0].getAttribute("aria-pressed")).toBe("true");
    q('[data-testid="share-start"]')[0].click();
    expect(picker.isOpen()).toBe(false);
    expect(calls).toContain("share window:0x2");
    // Closed: no more refreshes.
    await vi.advanceTimersByTimeAsync(3000);
    expect(calls.filter((c) => c === "targets").length).toBe(2);

    picker.open();
    document.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape" }));
    expect(picker.isOpen()).toBe(false);
  });
});

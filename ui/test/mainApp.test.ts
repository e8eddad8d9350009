// @vitest-environment jsdom
// The main window against a mocked backend: which screen and buttons each state shows, and which
// command (with which args) each control and shortcut invokes.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { startMainApp } from "../src/app/mainApp";
import type { AppState, CallInfo, HistoryRecord } from "../src/backend/types";
import { setLocale } from "../src/i18n/i18n";
import {
  bootstrapWith, byTestId, CONTACTS, FakeBackend, IDLE, press, SETTINGS, settle, SIGNED_OUT, SilentSocket, visible,
} from "./fakeBackend";

const NOW = 1_800_000_000_000;
const videoCall = (over: Partial<CallInfo> = {}): CallInfo => ({
  callId: "c1", peer: "bob", peerNick: "Bob", callType: 2, outgoing: true, answeredAtMs: null,
  muted: false, cameraOn: true, remoteAudio: true, remoteVideo: true, remoteVideoPaused: false, switchRequest: null, sharing: false, remoteSharing: false,
  devices: { camera: "ok", microphone: "ok" }, ...over,
});
const toasts = () => [...document.querySelectorAll(".toast")].map((el) => el.textContent);
const toastTitles = () => [...document.querySelectorAll<HTMLElement>(".toast")].map((el) => el.title);
const inCall = (over: Partial<CallInfo> = {}): AppState => ({ ...IDLE, status: "in_call", call: videoCall({ answeredAtMs: NOW - 65_000, ...over }) });

/** The app of the running test; left idle afterwards so the call screen's ticker stops. */
let running: FakeBackend | null = null;

async function start(state: AppState = IDLE) {
  const backend = new FakeBackend(bootstrapWith(state));
  running = backend;
  const mount = document.createElement("div");
  document.body.replaceChildren(mount);
  const ctx = await startMainApp(backend, mount);
  await settle();
  return { backend, ctx };
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(NOW);
  vi.stubGlobal("WebSocket", SilentSocket);
  // jsdom has no WebGL: the renderers are skipped and the canvases stay blank.
  HTMLCanvasElement.prototype.getContext = (() => null) as never;
  vi.spyOn(console, "error").mockImplementation(() => {});
  vi.spyOn(console, "debug").mockImplementation(() => {});
  setLocale("en");
});
afterEach(() => {
  // Leaving the call screen clears its 500 ms ticker, which would otherwise fire after jsdom is
  // torn down ("document is not defined").
  running?.emit("app-state", IDLE);
  running = null;
  vi.useRealTimers();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe("sign-in", () => {
  it("shows the form prefilled from lastSignIn and sends sign_in with the contract's args", async () => {
    const { backend } = await start(SIGNED_OUT);
    expect(visible("signin-form")).toBe(true);
    expect(visible("call-screen")).toBe(false);
    expect(byTestId<HTMLInputElement>("signin-server").value).toBe("ws://127.0.0.1:9000");
    byTestId<HTMLInputElement>("signin-token").value = "secret";
    byTestId<HTMLFormElement>("signin-form").requestSubmit();
    await settle();
    expect(backend.last("sign_in")?.args).toEqual({
      server: "ws://127.0.0.1:9000", appKey: "demo", account: "alice", token: "secret", tlsCaFile: null, insecure: false,
    });
    backend.emit("app-state", IDLE);
    expect(visible("signin-form")).toBe(false);
    expect(visible("nav-contacts")).toBe(true);
  });
});

describe("contacts", () => {
  it("lists the state's contacts with presence, calls by audio and video, follows the state", async () => {
    const { backend } = await start();
    expect(byTestId("contact-bob").dataset.presence).toBe("online");
    expect(byTestId("contact-carol").querySelector(".presence-dot")?.classList.contains("presence-in_call")).toBe(true);
    byTestId("call-video-bob").click();
    byTestId("call-audio-carol").click();
    await settle();
    const calls = backend.calls.filter((c) => c.command === "call").map((c) => c.args);
    expect(calls).toEqual([{ account: "bob", callType: 2 }, { account: "carol", callType: 1 }]);
    const bobOffline = CONTACTS.map((c) => (c.account === "bob" ? { ...c, presence: "offline" as const } : c));
    backend.emit("app-state", { ...IDLE, contacts: bobOffline });
    expect(byTestId("contact-bob").dataset.presence).toBe("offline");
  });

  it("searches the directory and adds the typed account", async () => {
    const { backend } = await start();
    const search = byTestId<HTMLInputElement>("contact-search");
    search.value = "dave";
    search.dispatchEvent(new Event("input"));
    await new Promise((r) => setTimeout(r, 300)); // the search debounce
    await settle();
    expect(backend.last("search")?.args).toEqual({ query: "dave" });
    expect(byTestId("search-hit-dave")).toBeTruthy();
    byTestId("contact-add").click();
    await settle();
    expect(backend.last("add_contact")?.args).toEqual({ account: "dave" });
    expect(backend.commands().filter((c) => c === "contacts").length).toBeGreaterThanOrEqual(2);
  });
});

describe("replies that cross", () => {
  it("the list is the state's, whatever a contacts reply says: an older reply cannot undo a presence change", async () => {
    const { backend } = await start();
    backend.hold("contacts");
    byTestId("nav-contacts").click();
    const bobOffline = CONTACTS.map((c) => (c.account === "bob" ? { ...c, presence: "offline" as const } : c));
    backend.emit("app-state", { ...IDLE, contacts: bobOffline });
    backend.answerHeld("contacts", 0, [{ account: "bob", nick: "Bob", presence: "online", state: "accepted" }]);
    await settle();
    expect(byTestId("contact-bob").dataset.presence).toBe("offline");
  });

  it("the history shows the newest reload's records when an older reply comes last", async () => {
    const record = (peer: string): HistoryRecord => ({
      call_id: peer, from: "alice", to: peer, call_type: 2, status: 3, reason: "", started_at_ms: NOW - 60_000,
      ended_at_ms: NOW - 50_000, duration_ms: 0, peer, incoming: false,
    });
    const { backend } = await start();
    backend.hold("history");
    byTestId("nav-history").click();
    byTestId("nav-contacts").click();
    byTestId("nav-history").click();
    backend.answerHeld("history", 1, [record("carol"), record("bob")]);
    await settle();
    backend.answerHeld("history", 0, [record("bob")]);
    await settle();
    const rows = [...document.querySelectorAll<HTMLElement>('[data-testid="history-row"]')];
    expect(rows.length).toBe(2);
  });
});

describe("call screen", () => {
  it("while calling: status Calling…, cancel only, Escape cancels", async () => {
    const { backend } = await start({ ...IDLE, status: "calling", call: videoCall() });
    expect(visible("call-screen")).toBe(true);
    expect(byTestId("call-status").textContent).toBe("Calling…");
    expect(visible("btn-cancel")).toBe(true);
    expect(visible("btn-hangup")).toBe(false);
    expect(visible("btn-switch-audio")).toBe(false);
    expect(visible("call-duration")).toBe(false);
    press("Escape");
    await settle();
    expect(backend.commands()).toContain("cancel");
  });

  it("in a video call: every control, the duration from answeredAtMs, and the commands they send", async () => {
    const { backend } = await start(inCall());
    expect(byTestId("call-status").textContent).toBe("Connected");
    expect(byTestId("call-duration").textContent).toBe("01:05");
    for (const id of ["btn-mute", "btn-camera", "btn-switch-audio", "btn-hangup", "remote-video", "local-video"]) {
      expect(visible(id), id).toBe(true);
    }
    expect(visible("btn-cancel")).toBe(false);
    byTestId("btn-mute").click();
    byTestId("btn-camera").click();
    byTestId("btn-switch-audio").click();
    byTestId("btn-hangup").click();
    await settle();
    expect(backend.calls.slice(-4).map((c) => [c.command, c.args])).toEqual([
      ["set_muted", { muted: true }],
      ["set_camera", { enabled: false }],
      ["switch_call_type", { callType: 1 }],
      ["hangup", undefined],
    ]);
  });

  it("the state from the backend drives the mute button; Ctrl+M and Ctrl+E use it", async () => {
    const { backend } = await start(inCall());
    backend.emit("app-state", inCall({ muted: true }));
    expect(byTestId("btn-mute").getAttribute("aria-pressed")).toBe("true");
    // A state that does not change the icon keeps its node: the screen re-renders twice a
    // second, and WebKit drops a click whose pressed node left the page before the release.
    const iconNode = byTestId("btn-mute").querySelector(".icon");
    backend.emit("app-state", inCall({ muted: true }));
    expect(byTestId("btn-mute").querySelector(".icon")).toBe(iconNode);
    backend.emit("app-state", inCall({ muted: false }));
    expect(byTestId("btn-mute").querySelector(".icon")).not.toBe(iconNode);
    backend.emit("app-state", inCall({ muted: true }));
    press("m", true);
    press("e", true);
    await settle();
    expect(backend.calls.slice(-2).map((c) => [c.command, c.args])).toEqual([
      ["set_muted", { muted: false }],
      ["hangup", undefined],
    ]);
  });

  it("a re-render that changes no words keeps the labels' text nodes, so a press on one keeps its click", async () => {
    const { backend } = await start(inCall({ sharing: true }));
    const stop = byTestId("share-bar-stop");
    expect(visible("share-bar")).toBe(true);
    expect(stop.textContent).toBe("Stop sharing");
    const label = stop.firstChild;
    const status = byTestId("call-status").firstChild;
    backend.emit("app-state", inCall({ sharing: true }));
    expect(stop.firstChild).toBe(label);
    expect(byTestId("call-status").firstChild).toBe(status);
    setLocale("zh");
    backend.emit("app-state", inCall({ sharing: true }));
    expect(stop.textContent).not.toBe("Stop sharing");
    stop.click();
    await settle();
    expect(backend.calls[backend.calls.length - 1]?.command).toBe("stop_screen_share");
  });

  it("an audio call has no camera or switch button and no video canvases", async () => {
    await start(inCall({ callType: 1 }));
    expect(visible("btn-camera")).toBe(false);
    expect(visible("btn-switch-audio")).toBe(false);
    expect(visible("remote-video")).toBe(false);
    expect(visible("btn-mute")).toBe(true);
  });

  it("asks about a switch request and answers with answer_switch", async () => {
    const { backend } = await start(inCall());
    expect(visible("switch-prompt")).toBe(false);
    backend.emit("app-state", inCall({ switchRequest: 1 }));
    expect(visible("switch-prompt")).toBe(true);
    expect(byTestId("switch-prompt").textContent).toContain("Bob asks to switch to an audio call");
    byTestId("switch-accept").click();
    await settle();
    expect(backend.last("answer_switch")?.args).toEqual({ accept: true });
  });

  it("shows a call waiting as a banner in the call screen, not the popup, in both languages", async () => {
    const { backend } = await start(inCall());
    expect(visible("waiting-banner")).toBe(false);
    const waiting = { callId: "c9", from: "carol", nick: "Carol", callType: 2 as const };
    backend.emit("app-state", { ...inCall(), waiting });
    expect(visible("call-screen")).toBe(true);
    expect(visible("waiting-banner")).toBe(true);
    expect(visible("incoming-banner")).toBe(false);
    expect(byTestId("waiting-text").textContent).toBe("Carol is calling · Video call");
    expect(byTestId("waiting-end-answer").textContent).toBe("End and answer");
    expect(byTestId("waiting-decline").textContent).toBe("Decline");
    setLocale("zh");
    expect(byTestId("waiting-text").textContent).toBe("Carol 来电 · 视频通话");
    expect(byTestId("waiting-end-answer").textContent).toBe("结束并接听");
    expect(byTestId("waiting-decline").textContent).toBe("拒绝");
    setLocale("en");

    byTestId("waiting-end-answer").click();
    await settle();
    expect(backend.last("end_and_answer")?.args).toEqual({ callId: "c9" });
    byTestId("waiting-decline").click();
    await settle();
    expect(backend.last("decline_waiting")?.args).toEqual({ callId: "c9" });

    backend.emit("app-state", inCall());
    expect(visible("waiting-banner")).toBe(false);
  });

  it("shows network quality from stats, and the overlay only with settings.debug", async () => {
    const { backend, ctx } = await start(inCall());
    const stats = { rttMs: 42, lossPct: 0.5, jitterMs: 3, sendKbps: 1200, recvKbps: 1100, fps: 30, width: 1280, height: 720, quality: "good", speaking: false };
    backend.emit("stats", stats);
    expect(byTestId("network-quality").dataset.quality).toBe("good");
    expect(visible("stats-overlay")).toBe(false);
    ctx.settings.set({ ...SETTINGS, debug: true });
    expect(visible("stats-overlay")).toBe(true);
    expect(byTestId("stats-overlay").textContent).toContain("1280×720");
    expect(byTestId("stats-overlay").textContent).toContain("42 ms");
  });

  it("a missing camera and microphone: the avatar and why in the preview area, disabled buttons saying why", async () => {
    const { backend } = await start(inCall({ cameraOn: false, muted: true, devices: { camera: "not_found", microphone: "not_found" } }));
    expect(visible("local-placeholder")).toBe(true);
    expect(visible("local-video")).toBe(false);
    expect(byTestId("local-device-note").textContent).toBe("No camera found");
    expect(byTestId("local-placeholder").querySelector(".avatar")?.textContent).toBe("A");
    expect(byTestId("device-notes").textContent).toBe("No microphone");
    const cameraButton = byTestId<HTMLButtonElement>("btn-camera");
    expect(cameraButton.disabled).toBe(true);
    expect(cameraButton.title).toBe("No camera found");
    expect(byTestId<HTMLButtonElement>("btn-mute").disabled).toBe(true);
    expect(byTestId("btn-mute").title).toBe("No microphone");
    backend.emit("app-state", { ...inCall({ devices: { camera: "busy", microphone: "failed" } }), revision: 5 });
    expect(byTestId("local-device-note").textContent).toBe("Camera in use by another app");
    expect(byTestId("btn-mute").title).toBe("Microphone failed");
    setLocale("zh");
    expect(byTestId("local-device-note").textContent).toBe("摄像头正被其他应用占用");
    backend.emit("app-state", { ...inCall(), revision: 6 });
    expect(visible("local-placeholder")).toBe(false);
    expect(visible("local-video")).toBe(true);
    expect(visible("device-notes")).toBe(false);
    expect(byTestId<HTMLButtonElement>("btn-camera").disabled).toBe(false);
  });

  it("the menus beside mute and camera list the backend's devices and switch live", async () => {
    const { backend } = await start(inCall({ devices: { camera: "not_found", microphone: "not_found" } }));
    expect(visible("camera-menu")).toBe(false);
    byTestId("camera-menu-toggle").click();
    await settle();
    expect(visible("camera-menu")).toBe(true);
    const items = [...byTestId("camera-menu").querySelectorAll<HTMLElement>("[data-testid=camera-menu-item]")];
    expect(items.map((i) => i.textContent)).toEqual(["Integrated Camera"]);
    items[0].click();
    await settle();
    expect(backend.last("select_device")?.args).toEqual({ kind: "camera", id: "cam0" });
    expect(visible("camera-menu")).toBe(false);
    // The choice is the settings' now: opened again, the menu marks the device picked.
    backend.responses.devices = { cameras: [{ id: "cam0", name: "Integrated Camera" }, { id: "cam1", name: "USB Camera" }], microphones: [], speakers: [] };
    backend.responses.get_settings = { ...(backend.responses.get_settings as object), camera: "cam1" };
    byTestId("camera-menu-toggle").click();
    await settle();
    const usb = [...byTestId("camera-menu").querySelectorAll<HTMLElement>("[data-testid=camera-menu-item]")][1];
    usb.click();
    await settle();
    byTestId("camera-menu-toggle").click();
    await settle();
    const checked = [...byTestId("camera-menu").querySelectorAll<HTMLElement>("[data-testid=camera-menu-item]")]
      .map((i) => i.getAttribute("aria-checked"));
    expect(checked).toEqual(["false", "true"]);
    press("Escape");
    // No microphone at all: the menu says so instead of an empty list.
    byTestId("mic-menu-toggle").click();
    await settle();
    expect(byTestId("mic-menu-empty").textContent).toContain("No microphone found");
    press("Escape");
    expect(visible("mic-menu")).toBe(false);
  });

  it("the network label says Connecting… and then No media while the grade is unknown", async () => {
    const { backend } = await start(inCall());
    const none = { rttMs: 3, lossPct: 0, jitterMs: 0, sendKbps: 0, recvKbps: 0, fps: 0, width: 0, height: 0, quality: "unknown", speaking: false };
    backend.emit("stats", none);
    const label = () => byTestId("network-quality").querySelector(".quality-label")?.textContent;
    expect(label()).toBe("Connecting…");
    backend.emit("stats", none);
    backend.emit("stats", none);
    expect(byTestId("network-quality").dataset.quality).toBe("unknown");
    expect(label()).toBe("No media");
    backend.emit("stats", { ...none, recvKbps: 900, quality: "excellent" });
    expect(label()).toBe("Excellent network");
  });

  it("the network label says Reconnecting… while the media path is mended, then the grade again", async () => {
    const { backend } = await start(inCall());
    const flowing = { rttMs: 3, lossPct: 0, jitterMs: 0, sendKbps: 900, recvKbps: 900, fps: 30, width: 640, height: 480, quality: "excellent", speaking: false, reconnecting: false, videoPausedByNetwork: false };
    const label = () => byTestId("network-quality").querySelector(".quality-label")?.textContent;
    backend.emit("stats", flowing);
    expect(label()).toBe("Excellent network");
    backend.emit("stats", { ...flowing, recvKbps: 0, quality: "unknown", reconnecting: true });
    expect(label()).toBe("Reconnecting…");
    expect(byTestId("network-quality").dataset.quality).toBe("reconnecting");
    backend.emit("stats", flowing);
    expect(label()).toBe("Excellent network");
  });

  it("says when the network paused this user's video, and the peer's, in English and Chinese", async () => {
    const { backend } = await start(inCall());
    const flowing = { rttMs: 3, lossPct: 0, jitterMs: 0, sendKbps: 900, recvKbps: 900, fps: 30, width: 640, height: 480, quality: "excellent", speaking: false, reconnecting: false, videoPausedByNetwork: false };
    backend.emit("stats", flowing);
    expect(visible("video-paused-note")).toBe(false);
    backend.emit("stats", { ...flowing, quality: "poor", videoPausedByNetwork: true });
    expect(visible("video-paused-note")).toBe(true);
    expect(byTestId("video-paused-note").textContent).toBe("Poor network, your video is paused");
    expect(byTestId("network-quality").querySelector(".quality-label")?.textContent).toBe("Poor network");
    backend.emit("stats", flowing);
    expect(visible("video-paused-note")).toBe(false);

    // The peer's video paused by the network: its placeholder says so, not "Camera is off".
    backend.emit("app-state", inCall({ remoteVideo: false, remoteVideoPaused: true }));
    expect(visible("remote-placeholder")).toBe(true);
    expect(byTestId("remote-placeholder").textContent).toContain("Poor network, video paused");
    setLocale("zh");
    expect(byTestId("remote-placeholder").textContent).toContain("网络较差，视频已暂停");
    backend.emit("stats", { ...flowing, quality: "poor", videoPausedByNetwork: true });
    expect(byTestId("video-paused-note").textContent).toBe("网络较差，你的视频已暂停");
    setLocale("en");
    backend.emit("app-state", inCall({ remoteVideo: false }));
    expect(byTestId("remote-placeholder").textContent).toContain("Camera is off");
  });

  it("the full-screen button enters and leaves full screen; Esc leaves it; the call's end leaves it", async () => {
    const { backend } = await start(inCall());
    expect(byTestId("btn-fullscreen").getAttribute("aria-label")).toBe("Full screen");
    byTestId("btn-fullscreen").click();
    await settle();
    expect(backend.fullscreen).toBe(true);
    expect(byTestId("btn-fullscreen").getAttribute("aria-pressed")).toBe("true");
    expect(byTestId("btn-fullscreen").getAttribute("aria-label")).toBe("Exit full screen");
    press("Escape");
    await settle();
    expect(backend.fullscreen).toBe(false);
    expect(backend.commands()).not.toContain("hangup");
    byTestId("btn-fullscreen").click();
    await settle();
    expect(backend.fullscreen).toBe(true);
    // The window manager's own key: the page reads the window back on resize.
    backend.fullscreen = false;
    window.dispatchEvent(new Event("resize"));
    await settle();
    expect(byTestId("btn-fullscreen").getAttribute("aria-pressed")).toBe("false");
    byTestId("btn-fullscreen").click();
    await settle();
    backend.emit("app-state", IDLE);
    await settle();
    expect(backend.fullscreen).toBe(false);
  });

  it("says \"You are muted\" while speech is heard on the muted microphone, for a few seconds", async () => {
    const { backend } = await start(inCall());
    const second = { rttMs: 3, lossPct: 0, jitterMs: 1, sendKbps: 900, recvKbps: 900, fps: 30, width: 640, height: 480, quality: "excellent" };
    // Speaking unmuted: the peer hears it, nothing to say.
    backend.emit("stats", { ...second, speaking: true });
    expect(visible("muted-hint")).toBe(false);
    backend.emit("app-state", inCall({ muted: true }));
    backend.emit("stats", { ...second, speaking: false });
    expect(visible("muted-hint")).toBe(false);
    backend.emit("stats", { ...second, speaking: true });
    expect(visible("muted-hint")).toBe(true);
    expect(byTestId("muted-hint").textContent).toBe("You are muted");
    setLocale("zh");
    expect(byTestId("muted-hint").textContent).toBe("你已静音");
    setLocale("en");
    // Silence: it stays three seconds after the last second with speech, then goes.
    vi.setSystemTime(NOW + 2_000);
    backend.emit("stats", { ...second, speaking: false });
    expect(visible("muted-hint")).toBe(true);
    vi.setSystemTime(NOW + 3_100);
    backend.emit("stats", { ...second, speaking: false });
    expect(visible("muted-hint")).toBe(false);
    // Unmuting takes it away at once.
    backend.emit("stats", { ...second, speaking: true });
    expect(visible("muted-hint")).toBe(true);
    backend.emit("app-state", inCall({ muted: false }));
    expect(visible("muted-hint")).toBe(false);
    backend.emit("app-state", inCall({ muted: true }));
    expect(visible("muted-hint")).toBe(false);
  });

  it("returns to the contacts when the call ends", async () => {
    const { backend } = await start(inCall());
    backend.emit("app-state", IDLE);
    expect(visible("call-screen")).toBe(false);
    expect(visible("contact-bob")).toBe(true);
  });
});

describe("incoming call in the main window", () => {
  const ringing: AppState = { ...IDLE, status: "ringing", invite: { callId: "c7", from: "bob", nick: "Bob", callType: 2 } };
  it("shows the banner; Ctrl+Enter accepts as the invite's type, Escape declines", async () => {
    const { backend } = await start(ringing);
    expect(visible("incoming-banner")).toBe(true);
    press("Enter", true);
    press("Escape");
    await settle();
    expect(backend.calls.slice(-2).map((c) => [c.command, c.args])).toEqual([
      ["accept", { callType: 2 }],
      ["reject", undefined],
    ]);
  });
});

describe("history", () => {
  it("shows each record with its status text by side, and calls back", async () => {
    const record = (status: 1 | 2 | 3 | 4 | 5, incoming: boolean, peer: string): HistoryRecord => ({
      call_id: `${peer}${status}`, from: incoming ? peer : "alice", to: incoming ? "alice" : peer, call_type: 2,
      status, reason: "", started_at_ms: NOW - 3_600_000, ended_at_ms: NOW - 3_500_000, duration_ms: status === 1 ? 100_000 : 0,
      peer, incoming,
    });
    const { backend } = await start();
    backend.responses.history = [record(1, false, "bob"), record(2, true, "carol"), record(5, false, "dave")];
    byTestId("nav-history").click();
    await settle();
    const rows = [...document.querySelectorAll<HTMLElement>('[data-testid="history-row"]')];
    expect(rows.map((r) => [r.dataset.status, r.querySelector('[data-testid="history-status"]')?.textContent])).toEqual([
      ["1", "Completed"], ["2", "Caller canceled"], ["5", "Callee busy"],
    ]);
    rows[2].querySelector<HTMLElement>('[data-testid="history-call-back"]')?.click();
    await settle();
    expect(backend.last("call")?.args).toEqual({ account: "dave", callType: 2 });
    setLocale("zh");
    expect(rows[1].querySelector('[data-testid="history-status"]')?.textContent).toBe("对方已取消");
  });
});

describe("missed calls", () => {
  it("badge the History tab with the backend's count, in the user's language", async () => {
    const { backend } = await start();
    expect(visible("missed-badge")).toBe(false);
    backend.emit("app-state", { ...IDLE, missedCalls: 2 });
    await settle();
    expect(visible("missed-badge")).toBe(true);
    expect(byTestId("missed-badge").textContent).toBe("2");
    expect(byTestId("missed-badge").title).toBe("2 missed calls");
    setLocale("zh");
    expect(byTestId("missed-badge").title).toBe("2 个未接来电");
    setLocale("en");
    backend.emit("app-state", { ...IDLE, missedCalls: 1 });
    await settle();
    expect(byTestId("missed-badge").title).toBe("1 missed call");
    byTestId("nav-history").click();
    await settle();
    expect(backend.commands()).toContain("history");
    backend.emit("app-state", { ...IDLE, missedCalls: 0 });
    await settle();
    expect(visible("missed-badge")).toBe(false);
  });
});

describe("settings", () => {
  it("loads devices, turns the preview on and off, shows the mic level, saves and switches language live", async () => {
    const { backend } = await start();
    byTestId("nav-settings").click();
    await settle();
    expect(backend.commands()).toContain("devices");
    expect(backend.last("set_preview")?.args).toEqual({ on: true });
    expect(byTestId<HTMLInputElement>("settings-beauty").value).toBe("3");
    backend.emit("mic-level", { level: 0.5 });
    expect(byTestId("mic-meter").dataset.level).toBe("0.50");
    byTestId<HTMLSelectElement>("settings-language").value = "zh";
    byTestId<HTMLInputElement>("settings-debug").checked = true;
    byTestId("settings-save").click();
    await settle();
    expect(backend.last("set_settings")?.args).toEqual({ settings: { ...SETTINGS, locale: "zh", debug: true } });
    expect(byTestId("nav-history").textContent).toBe("通话记录");
    byTestId("nav-contacts").click();
    await settle();
    expect(backend.last("set_preview")?.args).toEqual({ on: false });
  });

  it("says which preview device does not open, over the preview and by the meter", async () => {
    const { backend } = await start();
    backend.failures.set_preview = { code: "media", message: "camera device error: busy" };
    byTestId("nav-settings").click();
    await settle();
    expect(visible("preview-camera-note")).toBe(false);
    backend.emit("app-state", { ...IDLE, preview: { camera: "busy", microphone: "not_found" }, revision: 3 });
    expect(byTestId("preview-camera-note").textContent).toBe("Camera in use by another app");
    expect(byTestId("preview-mic-note").textContent).toBe("No microphone");
    backend.emit("app-state", { ...IDLE, preview: { camera: "ok", microphone: "ok" }, revision: 4 });
    expect(visible("preview-camera-note")).toBe(false);
    expect(visible("preview-mic-note")).toBe(false);
  });

  it("forces dark or light on save, and under \"system\" follows the OS preference live", async () => {
    let systemDark = false;
    const listeners: Array<() => void> = [];
    vi.stubGlobal("matchMedia", (query: string) => ({
      media: query,
      get matches() { return systemDark; },
      addEventListener: (_: string, fn: () => void) => listeners.push(fn),
      removeEventListener: () => {},
    }));
    const { backend } = await start();
    byTestId("nav-settings").click();
    await settle();
    expect(document.documentElement.dataset.theme).toBe("light");
    systemDark = true;
    listeners.forEach((fn) => fn());
    expect(document.documentElement.dataset.theme).toBe("dark");
    byTestId<HTMLSelectElement>("settings-theme").value = "light";
    byTestId("settings-save").click();
    await settle();
    expect(backend.last("set_settings")?.args).toEqual({ settings: { ...SETTINGS, theme: "light" } });
    expect(document.documentElement.dataset.theme).toBe("light");
    byTestId<HTMLSelectElement>("settings-theme").value = "dark";
    byTestId("settings-save").click();
    await settle();
    systemDark = false;
    listeners.forEach((fn) => fn());
    expect(document.documentElement.dataset.theme).toBe("dark");
  });

  it("starts at login only once saved, and says why in the user's language when the desktop refuses", async () => {
    const { backend } = await start();
    byTestId("nav-settings").click();
    await settle();
    const box = byTestId<HTMLInputElement>("settings-start-at-login");
    expect(box.checked).toBe(false);
    box.checked = true;
    byTestId("settings-save").click();
    await settle();
    expect(backend.last("set_settings")?.args).toEqual({ settings: { ...SETTINGS, startAtLogin: true } });
    expect(box.checked).toBe(true);

    box.checked = false;
    backend.failures.set_settings = { code: "autostart", message: "start at login: Permission denied (os error 13)" };
    byTestId("settings-save").click();
    await settle();
    expect(toasts()).toContain("Could not change starting at login; nothing was saved.");
    // The OS's own words only as the details.
    expect(toastTitles()).toContain("autostart: start at login: Permission denied (os error 13)");
    expect(box.checked).toBe(true);

    setLocale("zh");
    byTestId("settings-save").click();
    await settle();
    expect(toasts()).toContain("无法更改开机启动，设置未保存。");
  });

  it("copies diagnostics through the backend and says so", async () => {
    const { backend } = await start();
    byTestId("nav-settings").click();
    await settle();
    byTestId("settings-copy-diagnostics").click();
    await settle();
    expect(backend.commands().filter((c) => c === "copy_diagnostics")).toHaveLength(1);
    expect(toasts()).toContain("Diagnostics copied");

    backend.failures.copy_diagnostics = { code: "desktop", message: "clipboard: no display" };
    byTestId("settings-copy-diagnostics").click();
    await settle();
    expect(toasts()).toContain("The desktop refused a window or notification.");
    expect(toastTitles()).toContain("desktop: clipboard: no display");
    expect(toasts().filter((t) => t === "Diagnostics copied")).toHaveLength(1);
  });

  it("applies beauty as the slider moves", async () => {
    const { backend } = await start();
    byTestId("nav-settings").click();
    await settle();
    const beauty = byTestId<HTMLInputElement>("settings-beauty");
    beauty.value = "7";
    beauty.dispatchEvent(new Event("input"));
    await new Promise((r) => setTimeout(r, 250));
    await settle();
    expect(backend.last("set_settings")?.args).toEqual({ settings: { ...SETTINGS, beauty: 7 } });
  });
});

describe("window.duetDebug", () => {
  it("exists with the contract's shape", async () => {
    await start(inCall());
    expect(window.duetDebug?.framesPainted).toEqual({ 0: 0, 1: 0, 2: 0, 3: 0 });
    expect(window.duetDebug?.paintLatencyMs).toEqual([]);
    expect(window.duetDebug?.sampleRemote()).toEqual([]);
  });
});

describe("sign-in by the backend after the page started", () => {
  it("takes the account from the first signed-in state, with one bootstrap", async () => {
    const { backend, ctx } = await start(SIGNED_OUT);
    expect(ctx.signedIn.get()).toBeNull();
    backend.emit("app-state", IDLE);
    await settle();
    expect(ctx.signedIn.get()?.account).toBe("alice");
    expect(visible("contact-bob")).toBe(true);
    expect(backend.commands()).toContain("get_settings");
    expect(backend.commands().filter((c) => c === "bootstrap")).toEqual(["bootstrap"]);
  });
});

describe("states that cross", () => {
  const calling = (revision: number): AppState => ({ ...IDLE, status: "calling", call: videoCall(), revision });

  it("keeps the newest state: a call declined at once does not go back to Calling…", async () => {
    const { backend } = await start();
    backend.emitExact("app-state", calling(1));
    expect(visible("call-screen")).toBe(true);
    backend.emitExact("app-state", { ...IDLE, revision: 3 });
    backend.emitExact("app-state", calling(2));
    expect(visible("call-screen")).toBe(false);
    expect(visible("contact-bob")).toBe(true);
  });

  it("listens before its one bootstrap: a state published while the reply travels is not lost", async () => {
    const backend = new FakeBackend(bootstrapWith(IDLE));
    running = backend;
    // The backend publishes "calling" after answering bootstrap, before the reply reaches the page.
    backend.onReply("bootstrap", () => backend.emitExact("app-state", calling(1)));
    const mount = document.createElement("div");
    document.body.replaceChildren(mount);
    await startMainApp(backend, mount);
    await settle();
    expect(visible("call-screen")).toBe(true);
    expect(byTestId("call-status").textContent).toBe("Calling…");
    expect(backend.commands().filter((c) => c === "bootstrap")).toEqual(["bootstrap"]);
  });

  it("an older state heard before the bootstrap reply does not replace the reply's newer one", async () => {
    const backend = new FakeBackend(bootstrapWith({ ...IDLE, revision: 5 }));
    running = backend;
    backend.onReply("bootstrap", () => backend.emitExact("app-state", calling(4)));
    const mount = document.createElement("div");
    document.body.replaceChildren(mount);
    await startMainApp(backend, mount);
    await settle();
    expect(visible("call-screen")).toBe(false);
    expect(visible("contact-bob")).toBe(true);
  });
});

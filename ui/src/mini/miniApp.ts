// The mini window (src-tauri/src/shell/mini_window.rs): while a call goes on behind other windows,
// the remote video, the peer, the call time, and mute, hang up and back-to-the-app. The backend
// builds this window when the main window goes to the background and destroys it when the main
// window comes back or the call ends, so its frames socket is open only while it shows.
//
// It draws the remote stream but never reports a display size: the backend scales each stream to
// one size, the main window's, which is still on screen behind other windows.
import type { Backend } from "../backend/backend";
import { Commands } from "../backend/commands";
import { isNewerState } from "../backend/stateOrder";
import type { AppState } from "../backend/types";
import { avatar } from "../app/avatar";
import { h, icon, setIcon, setText, show } from "../app/dom";
import { ICONS } from "../app/icons";
import { callDuration } from "../format/duration";
import { FramesClient } from "../frames/client";
import { STREAM_REMOTE, type Frame } from "../frames/header";
import { FrameScheduler } from "../frames/scheduler";
import { onLocaleChange, resolveLocale, setLocale, t, type I18nKey } from "../i18n/i18n";
import { createRenderer, setPainter } from "../video/createRenderer";
import type { VideoRenderer } from "../video/renderer";

export type MiniView = {
  root: HTMLElement;
  update(state: AppState): void;
  /** Draws a remote frame (the scheduler's sink). */
  draw(frame: Frame): void;
  /** Re-renders the call time; the page calls it twice a second. */
  tick(): void;
};

/** `backToApp` closes this window; the backend then brings the main window back. */
export function miniView(commands: Commands, backToApp: () => Promise<void>): MiniView {
  const video = h("canvas", { class: "mini-video", testid: "mini-video" });
  const placeholder = h("div", { class: "mini-placeholder", testid: "mini-placeholder" });
  const name = h("div", { class: "mini-peer", testid: "mini-peer" });
  const time = h("div", { class: "mini-time", testid: "mini-time" }, "00:00");
  const button = (testid: string, svg: string, kind = "") =>
    h("button", { type: "button", class: `mini-btn ${kind}`, testid }, icon(svg));
  const mute = button("mini-mute", ICONS.mic);
  const hangup = button("mini-hangup", ICONS.hangup, "mini-danger");
  const back = button("mini-back", ICONS.maximize);
  // The always-on-top sharing bar: while this user shares, the main window is usually behind the
  // shared window, so this is where "You are sharing" and Stop stay at hand.
  const shareText = h("span", { class: "mini-share-text" });
  const shareStop = h("button", { type: "button", class: "mini-share-stop", testid: "mini-share-stop" });
  const shareBar = h("div", { class: "mini-share", testid: "mini-share", role: "status" }, shareText, shareStop);
  const root = h("section", { class: "mini", testid: "mini" },
    video, placeholder,
    h("div", { class: "mini-top" }, name, time),
    shareBar,
    h("div", { class: "mini-controls" }, mute, hangup, back));

  let renderer: VideoRenderer | null | undefined;
  let state: AppState | null = null;
  let lastPeer = "";
  const label = (el: HTMLElement, key: I18nKey) => {
    el.title = t(key);
    el.setAttribute("aria-label", t(key));
  };

  const render = () => {
    const call = state?.status === "in_call" ? state.call : null;
    root.dataset.inCall = String(call !== null);
    if (!call) return;
    setText(name, call.peerNick || call.peer);
    setText(time, callDuration(call.answeredAtMs, Date.now()));
    if (call.peer !== lastPeer) {
      placeholder.replaceChildren(avatar(call.peer, call.peerNick, "md"));
      lastPeer = call.peer;
    }
    const video_ = call.callType === 2 && call.remoteVideo;
    show(video, video_);
    show(placeholder, !video_);
    if (!video_) renderer?.clear();
    mute.setAttribute("aria-pressed", String(call.muted));
    mute.classList.toggle("mini-off", call.muted);
    setIcon(mute, call.muted ? ICONS.micOff : ICONS.mic);
    mute.disabled = call.devices.microphone !== "ok";
    label(mute, call.muted ? "call.unmute" : "call.mute");
    label(hangup, "call.hangup");
    label(back, "mini.back");
    show(shareBar, call.sharing);
    setText(shareText, t("share.youAreSharing"));
    setText(shareStop, t("share.stop"));
  };
  onLocaleChange(render);

  const run = (promise: Promise<unknown>) => promise.catch((error) => console.error("mini window action failed", error));
  mute.addEventListener("click", () => {
    if (state?.call) run(commands.setMuted(!state.call.muted));
  });
  hangup.addEventListener("click", () => run(commands.hangup()));
  back.addEventListener("click", () => run(backToApp()));
  shareStop.addEventListener("click", () => run(commands.stopScreenShare()));

  return {
    root,
    update(next) {
      state = next;
      render();
    },
    draw(frame) {
      // Created at the first frame: the canvas is laid out by then.
      if (renderer === undefined) renderer = createRenderer(video);
      renderer?.draw(frame);
    },
    tick: render,
  };
}

export type MiniOptions = {
  /** Injectable for tests: the frames socket. */
  createSocket?: (url: string) => WebSocket;
};

export async function startMini(backend: Backend, mount: HTMLElement, options: MiniOptions = {}): Promise<MiniView> {
  const commands = new Commands(backend);
  document.body.classList.add("mini-window");
  const view = miniView(commands, () => backend.closeWindow());
  mount.replaceChildren(view.root);
  let shown: AppState | null = null;
  const onState = (state: AppState) => {
    if (!isNewerState(state, shown)) return;
    shown = state;
    view.update(state);
  };
  // Listen before asking: a state published in between would otherwise reach nobody.
  await backend.listen<AppState>("app-state", onState);
  const bootstrap = await commands.bootstrap();
  setLocale(bootstrap.locale);
  setPainter(bootstrap.videoPainter);
  // The main window may have switched the language since the app started.
  commands.getSettings().then(
    (s) => setLocale(s.locale === "auto" ? resolveLocale("auto", navigator.language) : s.locale),
    () => {},
  );
  onState(bootstrap.state);
  setInterval(() => view.tick(), 500);

  const frames = new FrameScheduler({
    requestFrame: (cb) => requestAnimationFrame(() => cb()),
    nowEpochMs: () => performance.timeOrigin + performance.now(),
  });
  frames.setSink(STREAM_REMOTE, (frame) => view.draw(frame));
  new FramesClient({
    url: bootstrap.framesUrl,
    onFrame: (frame) => frames.push(frame),
    onBadFrame: (reason) => console.debug("mini window: bad frame", reason),
    createSocket: options.createSocket,
  }).start();
  return view;
}

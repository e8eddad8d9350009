// The call screen: remote video large, local preview small, peer, status, duration, controls,
// network quality, the statistics overlay (settings.debug), the switch prompt and the banner of a
// call waiting (a second call ringing during this one). Screen sharing: "Share screen" opens the
// picker, a bar says "You are sharing" with Stop while this user shares, and the peer's shared
// screen fills the stage with the peer's camera as an inset the user can drag. A camera or
// microphone that does not work is said where its picture or button would be, and the menus
// beside the mute and camera buttons pick another one.
import type { AppContext } from "../app/context";
import { avatar } from "../app/avatar";
import { callControls, showVideoPausedNote } from "../app/callView";
import { h, icon, setIcon, setText, show } from "../app/dom";
import { ICONS } from "../app/icons";
import type { AppState } from "../backend/types";
import { callDuration } from "../format/duration";
import { STREAM_LOCAL, STREAM_REMOTE, STREAM_REMOTE_SCREEN } from "../frames/header";
import { onLocaleChange, t, type I18nKey } from "../i18n/i18n";
import { MutedHint } from "../app/mutedHint";
import { createRenderer } from "../video/createRenderer";
import { streamSink } from "../video/streamSink";
import type { VideoRenderer } from "../video/renderer";
import { deviceMenu } from "./deviceMenu";
import { insecureBadge } from "./insecureBadge";
import { draggableInset } from "./draggableInset";
import { sharePicker } from "./sharePicker";
import { qualityIndicator } from "./quality";
import { statsOverlay } from "./statsOverlay";
import { switchPrompt } from "./switchPrompt";
import { waitingBanner } from "./waitingBanner";

export type CallScreen = {
  root: HTMLElement;
  enter(): void;
  leave(): void;
  update(state: AppState): void;
  sampleRemote(): number[];
  /** Like sampleRemote, of the peer's shared screen. */
  sampleScreen(): number[];
};

export function callScreen(ctx: AppContext): CallScreen {
  const remote = h("canvas", { class: "remote-video", testid: "remote-video" });
  const remoteScreen = h("canvas", { class: "remote-screen", testid: "remote-screen" });
  const picker = sharePicker(ctx);
  const shareBarText = h("span", { class: "share-bar-text" });
  const shareBarStop = h("button", { type: "button", class: "btn btn-danger share-bar-stop", testid: "share-bar-stop" });
  const shareBar = h("div", { class: "share-bar", testid: "share-bar", role: "status" }, icon(ICONS.screen), shareBarText, shareBarStop);
  const local = h("canvas", { class: "local-video", testid: "local-video" });
  const localAvatar = h("div", { class: "local-avatar" });
  const localNote = h("div", { class: "local-note", testid: "local-device-note" });
  const localPlaceholder = h("div", { class: "local-video local-placeholder", testid: "local-placeholder" }, localAvatar, localNote);
  const deviceNotes = h("div", { class: "device-notes", testid: "device-notes" });
  const mutedNote = h("div", { class: "muted-hint", testid: "muted-hint", role: "status" });
  const mutedHint = new MutedHint();
  const pausedNote = h("div", { class: "muted-hint video-paused-note", testid: "video-paused-note", role: "status" });
  let videoPaused: { videoPausedByNetwork: boolean } | null = null;
  const placeholderAvatar = h("div", { class: "placeholder-avatar" });
  const placeholderNote = h("div", { class: "placeholder-note" });
  const placeholder = h("div", { class: "remote-placeholder", testid: "remote-placeholder" }, placeholderAvatar, placeholderNote);
  const peerName = h("div", { class: "peer-name", testid: "call-peer" });
  const callType = h("span", { class: "call-type" });
  const status = h("span", { class: "call-status", testid: "call-status" });
  const duration = h("span", { class: "call-duration", testid: "call-duration" }, "00:00");
  const quality = qualityIndicator();
  const overlay = statsOverlay(ctx.debug);
  const prompt = switchPrompt(ctx);
  const waiting = waitingBanner(ctx);

  const control = (testid: string, svg: string, kind = "") => {
    const caption = h("span", { class: "control-caption" });
    const iconSlot = h("span", { class: "control-icon" }, icon(svg));
    const button = h("button", { type: "button", class: `control ${kind}`, testid }, iconSlot, caption);
    return { button, caption, iconSlot };
  };
  const mute = control("btn-mute", ICONS.mic);
  const camera = control("btn-camera", ICONS.video);
  const micMenu = deviceMenu(ctx, "microphone");
  const cameraMenu = deviceMenu(ctx, "camera");
  const withMenu = (c: { button: HTMLElement }, menu: { toggle: HTMLElement; menu: HTMLElement }) =>
    h("div", { class: "control-group" }, c.button, menu.toggle, menu.menu);
  const muteGroup = withMenu(mute, micMenu);
  const cameraGroup = withMenu(camera, cameraMenu);
  const toAudio = control("btn-switch-audio", ICONS.phone);
  const toVideo = control("btn-switch-video", ICONS.video);
  const hangup = control("btn-hangup", ICONS.hangup, "control-danger");
  const cancel = control("btn-cancel", ICONS.hangup, "control-danger");
  const fullscreen = control("btn-fullscreen", ICONS.maximize);
  const share = control("btn-share", ICONS.screen);

  let state: AppState | null = null;
  let renderers: { remote: VideoRenderer | null; local: VideoRenderer | null; screen: VideoRenderer | null } | null = null;
  let ticker: ReturnType<typeof setInterval> | null = null;
  let lastPeer = "";
  let lastSelf = "";

  const root = h(
    "section",
    { class: "screen call-screen", testid: "call-screen" },
    h("div", { class: "stage" }, remoteScreen, remote, placeholder, local, localPlaceholder, deviceNotes, mutedNote, pausedNote, shareBar),
    h("header", { class: "call-top" },
      h("div", { class: "call-identity" }, peerName,
        h("div", { class: "call-meta" }, callType, h("span", { class: "dot-sep" }, "·"), status, duration,
          insecureBadge(ctx, "call-insecure"))),
      quality.root),
    overlay.root,
    prompt.root,
    waiting.root,
    h("footer", { class: "call-controls" }, muteGroup, cameraGroup, share.button, toAudio.button, toVideo.button, fullscreen.button, cancel.button, hangup.button),
    picker.root,
  );
  // Over a shared screen the peer's camera is a small inset the user may drag anywhere on the stage.
  const inset = draggableInset(remote);

  const labels = (c: { button: HTMLElement; caption: HTMLElement }, key: I18nKey, shortcut = "") => {
    setText(c.caption, t(key));
    c.button.title = shortcut ? `${t(key)} (${shortcut})` : t(key);
    c.button.setAttribute("aria-label", t(key));
  };
  /** A control whose device does not work: disabled, its caption and tooltip saying why. */
  const unusable = (c: { button: HTMLButtonElement; caption: HTMLElement }, problem: I18nKey | null) => {
    c.button.disabled = problem !== null;
    c.button.classList.toggle("control-unusable", problem !== null);
    if (problem) labels(c, problem);
  };

  const render = () => {
    const s = state;
    const controls = s ? callControls(s) : null;
    if (!s || !s.call || !controls) return;
    const call = s.call;
    root.dataset.status = s.status;
    root.dataset.callType = String(call.callType);
    setText(peerName, call.peerNick || call.peer);
    setText(callType, t(call.callType === 2 ? "call.video" : "call.audio"));
    setText(status, t(controls.statusKey));
    show(duration, controls.showDuration);
    setText(duration, callDuration(call.answeredAtMs, Date.now()));

    if (call.peer !== lastPeer) {
      placeholderAvatar.replaceChildren(avatar(call.peer, call.peerNick, "lg"));
      lastPeer = call.peer;
    }
    const self = s.signedIn;
    if (self && self.account !== lastSelf) {
      localAvatar.replaceChildren(avatar(self.account, self.nick, "md"));
      lastSelf = self.account;
    }
    root.classList.toggle("audio-only", !controls.showVideo && !controls.showRemoteScreen);
    root.classList.toggle("remote-sharing", controls.showRemoteScreen);
    show(remoteScreen, controls.showRemoteScreen);
    if (!controls.showRemoteScreen) renderers?.screen?.clear();
    inset.enable(controls.showRemoteScreen);
    show(remote, controls.showVideo && (!controls.showRemoteScreen || (call.remoteVideo && !controls.showRemotePlaceholder)));
    show(local, controls.showVideo && call.cameraOn && !controls.showLocalPlaceholder);
    show(localPlaceholder, controls.showLocalPlaceholder);
    setText(localNote, controls.cameraProblem ? t(controls.cameraProblem) : "");
    // The microphone's problem is said on the stage too: a disabled button alone is easy to miss.
    setText(deviceNotes, controls.micProblem ? t(controls.micProblem) : "");
    show(deviceNotes, controls.micProblem !== null);
    if (!controls.muted) mutedHint.reset();
    setText(mutedNote, t("call.youAreMuted"));
    show(mutedNote, mutedHint.visible(controls.muted, Date.now()));
    setText(pausedNote, t("call.videoPausedByNetwork"));
    show(pausedNote, showVideoPausedNote(controls, videoPaused));
    show(placeholder, !controls.showRemoteScreen && (!controls.showVideo || controls.showRemotePlaceholder));
    setText(placeholderNote,
      s.status === "calling" ? t("call.calling")
        : controls.remoteVideoPaused ? t("call.remoteVideoPaused")
        : controls.showVideo && !call.remoteVideo ? t("call.remoteCameraOff")
          : !call.remoteAudio ? t("call.remoteMuted") : "");
    if (controls.showRemotePlaceholder) renderers?.remote?.clear();

    show(muteGroup, controls.showMute);
    show(cameraGroup, controls.showCamera);
    show(toAudio.button, controls.showSwitchAudio);
    show(toVideo.button, controls.showSwitchVideo);
    show(share.button, controls.showShare);
    share.button.setAttribute("aria-pressed", String(controls.sharing));
    share.button.classList.toggle("control-off", controls.sharing);
    labels(share, controls.sharing ? "share.stop" : "share.button");
    show(shareBar, controls.sharing);
    setText(shareBarText, t("share.youAreSharing"));
    setText(shareBarStop, t("share.stop"));
    if (!controls.showShare) picker.close();
    show(hangup.button, controls.showHangup);
    show(cancel.button, controls.showCancel);
    mute.button.setAttribute("aria-pressed", String(controls.muted));
    mute.button.classList.toggle("control-off", controls.muted);
    setIcon(mute.iconSlot, controls.muted ? ICONS.micOff : ICONS.mic);
    labels(mute, controls.muted ? "call.unmute" : "call.mute", "Ctrl+M");
    camera.button.setAttribute("aria-pressed", String(!controls.cameraOn));
    camera.button.classList.toggle("control-off", !controls.cameraOn);
    setIcon(camera.iconSlot, controls.cameraOn ? ICONS.video : ICONS.videoOff);
    labels(camera, controls.cameraOn ? "call.cameraOff" : "call.cameraOn");
    unusable(mute, controls.micProblem);
    unusable(camera, controls.cameraProblem);
    labels(toAudio, "call.switchAudio");
    labels(toVideo, "call.switchVideo");
    labels(hangup, "call.hangup", "Ctrl+E");
    labels(cancel, "call.cancel", "Esc");
    const full = ctx.fullscreen.on.get();
    fullscreen.button.setAttribute("aria-pressed", String(full));
    setIcon(fullscreen.iconSlot, full ? ICONS.minimize : ICONS.maximize);
    labels(fullscreen, full ? "call.exitFullscreen" : "call.fullscreen", full ? "Esc" : "");
    prompt.set(controls.switchPrompt, call.peerNick || call.peer);
    waiting.set(s.waiting);

    const debug = ctx.settings.get()?.debug ?? false;
    show(overlay.root, debug);
  };

  mute.button.addEventListener("click", () => {
    if (state?.call) ctx.run(ctx.commands.setMuted(!state.call.muted));
  });
  camera.button.addEventListener("click", () => {
    if (state?.call) ctx.run(ctx.commands.setCamera(!state.call.cameraOn));
  });
  toAudio.button.addEventListener("click", () => ctx.run(ctx.commands.switchCallType(1)));
  // Audio to video asks the peer (SWITCH_REQUESTED there); the call turns video once it consents.
  toVideo.button.addEventListener("click", () => ctx.run(ctx.commands.switchCallType(2)));
  share.button.addEventListener("click", () => {
    if (state?.call?.sharing) ctx.run(ctx.commands.stopScreenShare());
    else picker.open();
  });
  shareBarStop.addEventListener("click", () => ctx.run(ctx.commands.stopScreenShare()));
  hangup.button.addEventListener("click", () => ctx.run(ctx.commands.hangup()));
  cancel.button.addEventListener("click", () => ctx.run(ctx.commands.cancel()));
  fullscreen.button.addEventListener("click", () => ctx.run(ctx.fullscreen.toggle()));
  ctx.fullscreen.on.subscribe(render);

  let reports = 0;
  ctx.stats.subscribe((stats) => {
    if (stats) reports += 1;
    videoPaused = stats;
    quality.set(stats?.quality ?? "unknown", reports, stats?.reconnecting ?? false);
    overlay.set(stats);
    if (stats) {
      mutedHint.heard(stats.speaking, state?.call?.muted ?? false, Date.now());
      render();
    }
  });
  ctx.settings.subscribe(render);
  onLocaleChange(render);

  return {
    root,
    enter() {
      renderers ??= { remote: createRenderer(remote), local: createRenderer(local, true), screen: createRenderer(remoteScreen) };
      const { remote: r, local: l, screen: sc } = renderers;
      ctx.frames.setSink(STREAM_REMOTE, streamSink(r, STREAM_REMOTE, ctx.displaySizes));
      ctx.frames.setSink(STREAM_REMOTE_SCREEN, streamSink(sc, STREAM_REMOTE_SCREEN, ctx.displaySizes));
      ctx.frames.setSink(STREAM_LOCAL, streamSink(l, STREAM_LOCAL, ctx.displaySizes));
      reports = 0;
      mutedHint.reset();
      quality.set("unknown", 0);
      overlay.set(null);
      ticker ??= setInterval(() => {
        render();
        if (!overlay.root.hidden) overlay.set(ctx.stats.get()); // paint latency moves between stats events
      }, 500);
    },
    leave() {
      micMenu.close();
      cameraMenu.close();
      picker.close();
      ctx.frames.setSink(STREAM_REMOTE, null);
      ctx.frames.setSink(STREAM_LOCAL, null);
      ctx.frames.setSink(STREAM_REMOTE_SCREEN, null);
      renderers?.screen?.clear();
      renderers?.remote?.clear();
      renderers?.local?.clear();
      if (ticker) clearInterval(ticker);
      ticker = null;
      // The call is over: the window comes back to its size for the contacts and history.
      if (ctx.fullscreen.on.get()) ctx.run(ctx.fullscreen.set(false));
      ctx.stats.set(null);
    },
    update(next) {
      state = next;
      render();
    },
    sampleRemote: () => renderers?.remote?.sample() ?? [],
    sampleScreen: () => renderers?.screen?.sample() ?? [],
  };
}

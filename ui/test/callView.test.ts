import { describe, expect, it } from "vitest";
import { callControls, mainTone, screenFor, showVideoPausedNote } from "../src/app/callView";
import { deviceProblem } from "../src/app/devices";
import { qualityLabel } from "../src/views/quality";
import { shortcutAction } from "../src/app/shortcuts";
import type { AppState, CallInfo } from "../src/backend/types";
import { popupKeyAction } from "../src/popup/popupKeys";

const call = (over: Partial<CallInfo> = {}): CallInfo => ({
  callId: "c1", peer: "bob", peerNick: "Bob", callType: 2, outgoing: true, answeredAtMs: null,
  muted: false, cameraOn: true, remoteAudio: true, remoteVideo: true, remoteVideoPaused: false, switchRequest: null, sharing: false, remoteSharing: false,
  devices: { camera: "ok", microphone: "ok" }, ...over,
});
const state = (status: AppState["status"], over: Partial<AppState> = {}): AppState => ({
  status, call: null, invite: null, waiting: null, connection: "connected", signedIn: null, contacts: [], missedCalls: 0, preview: null, revision: 0, ...over,
});
const key = (k: string, ctrlKey = false) => ({ key: k, ctrlKey, metaKey: false, altKey: false, shiftKey: false });

describe("screenFor", () => {
  it("maps statuses to screens", () => {
    expect(screenFor(state("signed_out"))).toBe("signin");
    expect(screenFor(state("idle"))).toBe("home");
    expect(screenFor(state("ringing", { invite: { callId: "c", from: "bob", nick: "Bob", callType: 2 } }))).toBe("home");
    expect(screenFor(state("calling", { call: call() }))).toBe("call");
    expect(screenFor(state("in_call", { call: call() }))).toBe("call");
    expect(screenFor(state("in_call"))).toBe("home"); // no call details: nothing to show
  });
});

describe("callControls", () => {
  it("offers cancel, not hang up, while the outgoing call rings", () => {
    const c = callControls(state("calling", { call: call() }))!;
    expect(c).toMatchObject({ statusKey: "call.calling", showCancel: true, showHangup: false, showDuration: false, showSwitchAudio: false, showSwitchVideo: false });
  });

  it("offers hang up, mute, camera and switch to audio in a video call", () => {
    const c = callControls(state("in_call", { call: call({ answeredAtMs: 1 }) }))!;
    expect(c).toMatchObject({
      statusKey: "call.connected", showCancel: false, showHangup: true, showMute: true, showCamera: true,
      showSwitchAudio: true, showSwitchVideo: false, showDuration: true, showVideo: true, showRemotePlaceholder: false,
    });
  });

  it("hides camera and switch to audio in an audio call, and offers switch to video", () => {
    const c = callControls(state("in_call", { call: call({ callType: 1 }) }))!;
    expect(c).toMatchObject({ showCamera: false, showSwitchAudio: false, showSwitchVideo: true, showVideo: false, showMute: true });
  });

  it("tells a network pause of the peer's video from its camera being off", () => {
    const paused = callControls(state("in_call", { call: call({ remoteVideo: false, remoteVideoPaused: true }) }))!;
    expect(paused).toMatchObject({ showRemotePlaceholder: true, remoteVideoPaused: true });
    const off = callControls(state("in_call", { call: call({ remoteVideo: false }) }))!;
    expect(off).toMatchObject({ showRemotePlaceholder: true, remoteVideoPaused: false });
    const audio = callControls(state("in_call", { call: call({ callType: 1, remoteVideo: false, remoteVideoPaused: true }) }))!;
    expect(audio.remoteVideoPaused).toBe(false);
  });

  it("says this user's video is paused by the network only in a video call with the camera on", () => {
    const paused = { videoPausedByNetwork: true };
    const on = callControls(state("in_call", { call: call() }))!;
    expect(showVideoPausedNote(on, paused)).toBe(true);
    expect(showVideoPausedNote(on, { videoPausedByNetwork: false })).toBe(false);
    expect(showVideoPausedNote(on, null)).toBe(false);
    const cameraOff = callControls(state("in_call", { call: call({ cameraOn: false }) }))!;
    expect(showVideoPausedNote(cameraOff, paused)).toBe(false);
  });

  it("covers the remote video when the peer's camera is off, and carries the switch request", () => {
    const c = callControls(state("in_call", { call: call({ remoteVideo: false, remoteVideoPaused: false, switchRequest: 1 }) }))!;
    expect(c.showRemotePlaceholder).toBe(true);
    expect(c.switchPrompt).toBe(1);
  });

  it("says which device does not work, and only a video call has a local picture to replace", () => {
    const broken = { camera: "not_found", microphone: "busy" } as const;
    const c = callControls(state("in_call", { call: call({ devices: broken }) }))!;
    expect(c).toMatchObject({
      cameraProblem: "device.camera.not_found", micProblem: "device.microphone.busy", showLocalPlaceholder: true,
    });
    const audio = callControls(state("in_call", { call: call({ callType: 1, devices: broken }) }))!;
    expect(audio).toMatchObject({ micProblem: "device.microphone.busy", showLocalPlaceholder: false });
    const fine = callControls(state("in_call", { call: call() }))!;
    expect(fine).toMatchObject({ cameraProblem: null, micProblem: null, showLocalPlaceholder: false });
  });

  it("is null without a call", () => {
    expect(callControls(state("idle"))).toBeNull();
  });

  it("plays ringback only while calling", () => {
    expect(mainTone(state("calling", { call: call() }))).toBe("ringback");
    expect(mainTone(state("in_call", { call: call() }))).toBeNull();
    expect(mainTone(state("ringing"))).toBeNull();
  });

  it("plays the soft call-waiting beep while a call waits during a call, over the ringback", () => {
    const waiting = { callId: "c9", from: "carol", nick: "Carol", callType: 2 as const };
    expect(mainTone(state("in_call", { call: call(), waiting }))).toBe("waiting");
    expect(mainTone(state("calling", { call: call(), waiting }))).toBe("waiting");
    // A waiting call whose own call ended rings in the popup, with the popup's ringtone.
    expect(mainTone(state("ringing", { waiting }))).toBeNull();
  });
});

describe("main window shortcuts", () => {
  const invite = { callId: "c9", from: "bob", nick: "Bob", callType: 1 as const };
  it("Ctrl+Enter accepts a ringing invite as its type; Escape declines it", () => {
    expect(shortcutAction(key("Enter", true), state("ringing", { invite }))).toEqual({ kind: "accept", callType: 1 });
    expect(shortcutAction(key("Escape"), state("ringing", { invite }))).toEqual({ kind: "reject" });
    expect(shortcutAction(key("Enter"), state("ringing", { invite }))).toBeNull();
  });

  it("Escape and Ctrl+E cancel a call that rings out; Ctrl+E hangs up a call", () => {
    expect(shortcutAction(key("Escape"), state("calling", { call: call() }))).toEqual({ kind: "cancel" });
    expect(shortcutAction(key("e", true), state("calling", { call: call() }))).toEqual({ kind: "cancel" });
    expect(shortcutAction(key("E", true), state("in_call", { call: call() }))).toEqual({ kind: "hangup" });
    expect(shortcutAction(key("Escape"), state("in_call", { call: call() }))).toBeNull();
    expect(shortcutAction(key("Escape"), state("in_call", { call: call() }), true)).toEqual({ kind: "leaveFullscreen" });
    expect(shortcutAction(key("Escape"), state("calling", { call: call() }), true)).toEqual({ kind: "cancel" });
  });

  it("Ctrl+M toggles mute in a call only", () => {
    expect(shortcutAction(key("m", true), state("in_call", { call: call() }))).toEqual({ kind: "mute", muted: true });
    expect(shortcutAction(key("m", true), state("in_call", { call: call({ muted: true }) }))).toEqual({ kind: "mute", muted: false });
    expect(shortcutAction(key("m", true), state("idle"))).toBeNull();
    const noMic = call({ muted: true, devices: { camera: "ok", microphone: "not_found" } });
    expect(shortcutAction(key("m", true), state("in_call", { call: noMic }))).toBeNull();
    expect(shortcutAction(key("m"), state("in_call", { call: call() }))).toBeNull();
  });

  it("does nothing when idle", () => {
    for (const k of [key("Enter", true), key("Escape"), key("e", true)]) expect(shortcutAction(k, state("idle"))).toBeNull();
  });
});

describe("popup keys", () => {
  const invite = { callId: "c9", from: "bob", nick: "Bob", callType: 2 as const };
  const key = (k: string, mods: { altKey?: boolean; ctrlKey?: boolean; shiftKey?: boolean; metaKey?: boolean } = {}) =>
    ({ key: k, altKey: false, ctrlKey: false, shiftKey: false, metaKey: false, ...mods });
  it("Alt+A accepts as the invite's type, Escape declines, Alt+S silences", () => {
    expect(popupKeyAction(key("a", { altKey: true }), invite)).toEqual({ kind: "accept", callType: 2 });
    expect(popupKeyAction(key("A", { altKey: true }), { ...invite, callType: 1 })).toEqual({ kind: "accept", callType: 1 });
    expect(popupKeyAction(key("Escape"), invite)).toEqual({ kind: "decline" });
    expect(popupKeyAction(key("s", { altKey: true }), invite)).toEqual({ kind: "silence" });
  });

  it("a bare Enter (or Space, or a bare A) never accepts; nor does anything without an invite", () => {
    for (const k of [key("Enter"), key(" "), key("a"), key("Enter", { altKey: true }), key("Enter", { ctrlKey: true })]) {
      expect(popupKeyAction(k, invite)).toBeNull();
    }
    expect(popupKeyAction(key("a", { altKey: true, ctrlKey: true }), invite)).toBeNull();
    expect(popupKeyAction(key("a", { altKey: true }), null)).toBeNull();
    expect(popupKeyAction(key("Escape"), null)).toBeNull();
  });
});

describe("deviceProblem", () => {
  it("names each state of each device, nothing for ok or no report", () => {
    expect(deviceProblem("camera", { camera: "failed", microphone: "ok" })).toBe("device.camera.failed");
    expect(deviceProblem("camera", { camera: "busy", microphone: "ok" })).toBe("device.camera.busy");
    expect(deviceProblem("microphone", { camera: "ok", microphone: "not_found" })).toBe("device.microphone.not_found");
    expect(deviceProblem("microphone", { camera: "ok", microphone: "ok" })).toBeNull();
    expect(deviceProblem("camera", null)).toBeNull();
  });
});

describe("qualityLabel", () => {
  it("grades by the backend, and says Connecting… then No media while nothing flows", () => {
    expect(qualityLabel("excellent", 9)).toBe("quality.excellent");
    expect(qualityLabel("bad", 0)).toBe("quality.bad");
    expect(qualityLabel("unknown", 0)).toBe("quality.unknown");
    expect(qualityLabel("unknown", 2)).toBe("quality.unknown");
    expect(qualityLabel("unknown", 3)).toBe("quality.noMedia");
  });

  it("says Reconnecting… while the path is mended, whatever the grade", () => {
    expect(qualityLabel("unknown", 9, true)).toBe("quality.reconnecting");
    expect(qualityLabel("poor", 9, true)).toBe("quality.reconnecting");
    expect(qualityLabel("poor", 9, false)).toBe("quality.poor");
  });
});

// Which screen and which call controls a state shows: pure, so the rules are unit-tested.
import type { AppState, CallType } from "../backend/types";
import type { I18nKey } from "../i18n/i18n";
import { deviceProblem } from "./devices";

export type Screen = "signin" | "home" | "call";

export function screenFor(state: AppState): Screen {
  if (state.status === "signed_out") return "signin";
  if ((state.status === "calling" || state.status === "in_call") && state.call) return "call";
  return "home";
}

export type CallControls = {
  statusKey: I18nKey;
  showDuration: boolean;
  showCancel: boolean;
  showHangup: boolean;
  showMute: boolean;
  showCamera: boolean;
  showSwitchAudio: boolean;
  /** "Switch to video" in an answered audio call: asks the peer, who must consent. */
  showSwitchVideo: boolean;
  /** Video canvases (remote large, local small); an audio call shows the peer's avatar instead. */
  showVideo: boolean;
  showRemotePlaceholder: boolean;
  /** The peer's camera is on but the network paused its video: the placeholder says "Poor
   * network, video paused" instead of "Camera is off" (it comes back by itself). */
  remoteVideoPaused: boolean;
  muted: boolean;
  cameraOn: boolean;
  /** Why this device's camera does not work ("No camera found"), or null: the local preview area
   * shows the user's avatar with it, and the camera button is disabled with it as its tooltip. */
  cameraProblem: I18nKey | null;
  /** Likewise for the microphone and the mute button. */
  micProblem: I18nKey | null;
  /** The local preview area shows the avatar and `cameraProblem` instead of a black picture. */
  showLocalPlaceholder: boolean;
  switchPrompt: CallType | null;
  /** "Share screen" / "Stop sharing": in answered calls only (the SDK shares in the answered call). */
  showShare: boolean;
  /** This user shares a screen: the sharing bar, and the share button says "Stop sharing". */
  sharing: boolean;
  /** The peer shares one: it fills the stage and the peer's camera becomes a movable inset. */
  showRemoteScreen: boolean;
};

export function callControls(state: AppState): CallControls | null {
  const call = state.call;
  if (!call || (state.status !== "calling" && state.status !== "in_call")) return null;
  const ringing = state.status === "calling";
  const video = call.callType === 2;
  const cameraProblem = deviceProblem("camera", call.devices);
  return {
    statusKey: ringing ? "call.calling" : "call.connected",
    showDuration: !ringing,
    showCancel: ringing,
    showHangup: !ringing,
    showMute: true,
    showCamera: video,
    showSwitchAudio: video && !ringing,
    showSwitchVideo: !video && !ringing,
    showVideo: video,
    showRemotePlaceholder: video && (ringing || !call.remoteVideo),
    remoteVideoPaused: video && !ringing && !call.remoteVideo && call.remoteVideoPaused,
    muted: call.muted,
    cameraOn: call.cameraOn,
    cameraProblem,
    micProblem: deviceProblem("microphone", call.devices),
    showLocalPlaceholder: video && cameraProblem !== null,
    switchPrompt: ringing ? null : call.switchRequest,
    showShare: !ringing,
    sharing: !ringing && call.sharing,
    showRemoteScreen: !ringing && call.remoteSharing,
  };
}

/** Whether the stage says "Poor network, your video is paused": the last statistics say this
 * device's camera is paused by the network, in a video call with the camera on. */
export function showVideoPausedNote(controls: CallControls, stats: { videoPausedByNetwork: boolean } | null): boolean {
  return controls.showVideo && controls.cameraOn && (stats?.videoPausedByNetwork ?? false);
}

/** What the main window's tone player should play: the soft call-waiting beep while a call
 * rings during this user's call (over the ringback, which the user hears anyway), else the
 * ringback while calling out. */
export function mainTone(state: AppState): "ringback" | "waiting" | null {
  if (state.waiting && (state.status === "calling" || state.status === "in_call")) return "waiting";
  return state.status === "calling" ? "ringback" : null;
}

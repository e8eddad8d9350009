// The web client's controls around client.js's call: a form to place a video call by hand, and
// mute, camera off and hang up during the call. interop/run.js's `tab` mode drives the same page
// through window.runCall with the form's fields as options.
"use strict";

/** Places one video call with `fields` from the form (or the runner) and shows it. */
function startTabCall(fields) {
  document.getElementById("join").hidden = true;
  document.getElementById("controls").hidden = false;
  const status = document.getElementById("status");
  status.textContent = `Calling ${fields.peer}…`;
  const says = { released: "In call", first_remote_frame: "In call", hanging_up: "Hanging up…" };
  window.duetOnProgress = (what) => { if (says[what]) status.textContent = says[what]; };
  const options = {
    role: "caller",
    width: 1280,
    height: 720,
    fps: 30,
    toneHz: 660,
    expectToneHz: 1000,
    minFrames: 1,
    minAudioSeconds: 0,
    talkMs: 0,
    acceptAfterMs: 0,
    guardMs: 24 * 3600 * 1000,
    hangup: "never",
    device: `${fields.account}-web`,
    ...fields,
    camera: true,
    view: true,
  };
  return window.runCall(options).then((result) => {
    status.textContent = result.record ? "Call ended" : `Call ended: ${result.endReason ?? "no answer"}`;
    document.getElementById("controls").hidden = true;
    return result;
  });
}

/** A toggle button that flips `enabled` on the local track of `kind`. */
function bindToggle(id, kind, offLabel, onLabel) {
  const button = document.getElementById(id);
  button.addEventListener("click", () => {
    const track = window.duetLocal && window.duetLocal[kind];
    if (!track) return;
    track.enabled = !track.enabled;
    button.setAttribute("aria-pressed", String(!track.enabled));
    button.textContent = track.enabled ? offLabel : onLabel;
  });
}

window.addEventListener("DOMContentLoaded", () => {
  bindToggle("mute", "audio", "Mute", "Unmute");
  bindToggle("camera", "video", "Camera off", "Camera on");
  document.getElementById("hangup").addEventListener("click", () => window.duetHangup && window.duetHangup());
  document.getElementById("join").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    startTabCall({
      url: form.get("server"),
      appKey: form.get("appKey"),
      account: form.get("account"),
      token: form.get("token"),
      peer: form.get("peer"),
    });
  });
});

window.startTabCall = startTabCall;

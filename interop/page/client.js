// A browser client speaking Duet's wire protocol (docs/protocol.md) and duet-media's negotiation
// (docs/media.md): the caller offers, the callee answers, candidates trickle as `call.signal`
// payloads {kind: offer|answer|candidate, ...}. Media connects while the call rings and is
// released on the answer: until then no track is attached to the senders (nothing is sent) and
// received frames are only counted, never probed, as duet-media does.
"use strict";

/** One WebSocket session: login, heartbeats, requests matched to answers by `req`. */
class DuetSocket {
  constructor(url) {
    this.url = url;
    this.nextReq = 1;
    this.waiting = new Map();
    // Call events that arrive before the call logic installs its handler (the test may place a
    // call as soon as it hears "logged_in") are kept and handed over, not dropped.
    this.early = [];
    this.onCall = (msg) => this.early.push(msg);
    this.errors = [];
  }

  open() {
    return new Promise((resolve, reject) => {
      this.ws = new WebSocket(this.url);
      this.ws.onopen = resolve;
      this.ws.onerror = () => reject(new Error(`cannot connect to ${this.url}`));
      this.ws.onclose = () => { clearInterval(this.heartbeat); };
      this.ws.onmessage = (message) => this.receive(JSON.parse(message.data));
    });
  }

  receive(msg) {
    if (msg.type === "error") this.errors.push(msg);
    if (msg.req !== undefined && this.waiting.has(msg.req)) {
      const { resolve, reject } = this.waiting.get(msg.req);
      this.waiting.delete(msg.req);
      if (msg.type === "error") reject(new Error(`${msg.code}: ${msg.message}`));
      else resolve(msg);
      return;
    }
    if (msg.type === "call" && msg.event) this.onCall(msg);
  }

  /** Sends `msg` with a fresh `req` and resolves with the server's answer to it. */
  request(msg) {
    const req = this.nextReq++;
    return new Promise((resolve, reject) => {
      this.waiting.set(req, { resolve, reject });
      this.ws.send(JSON.stringify({ v: 1, req, ...msg }));
    });
  }

  async login(appKey, account, token, device) {
    const ok = await this.request({ type: "login", app_key: appKey, account, token, device });
    this.heartbeat = setInterval(() => this.ws.send(JSON.stringify({ v: 1, type: "ping" })), ok.heartbeat_ms / 2);
    return ok;
  }

  close() {
    clearInterval(this.heartbeat);
    this.ws.close();
  }
}

/** Percentile `p` (0..1) of `values` by nearest rank; null when empty. */
function percentile(values, p) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
}

/** Only loopback candidates go out: tests may use 127.0.0.0/8 as their only network. */
function isLoopbackCandidate(candidate) {
  const address = candidate.split(" ")[4] || "";
  return address.startsWith("127.");
}

/**
 * Places (role "caller") or answers (role "callee") one video call and reports what happened.
 * See interop/run.js for the options.
 */
async function runCall(options) {
  const log = [];
  const note = (what) => log.push({ at: Math.round(performance.now()), what });
  // Milestones also go to the runner (interop/run.js exposes `duetProgress`), which prints them
  // for the test driving it and samples CPU use between them.
  const progress = (what) => {
    note(what);
    if (window.duetOnProgress) window.duetOnProgress(what);
    if (window.duetProgress) return window.duetProgress(what);
    return Promise.resolve();
  };
  const socket = new DuetSocket(options.url);
  await socket.open();
  const loggedIn = await socket.login(options.appKey, options.account, options.token, options.device);
  await progress("logged_in");

  // The web client (options.camera) sends what a user's browser would: getUserMedia's camera and
  // microphone (Chromium's fake devices here). The interop checks send the stamped pattern.
  const local = options.camera
    ? await startCameraSource(options.width, options.height, options.fps)
    : { video: startPatternSource(options.width, options.height, options.fps), audio: startToneSource(options.toneHz) };
  const { video, audio } = local;
  // "detail" keeps the resolution when the encoder is short of bits or CPU, so every sent
  // picture keeps its code readable at the agreed size.
  // In the lab the pattern goes out as a camera's picture would (no content hint): Chromium then
  // adapts as it does for a user's camera, not as for text or slides.
  if (!options.camera && !options.lab) video.track.contentHint = "detail";
  // The web client's controls (tab.js) turn these tracks on and off.
  window.duetLocal = { video: video.track, audio: audio.track };

  const call = { id: null, token: null, seq: 0, released: false, ended: null, record: null };
  // In the lab, the STUN/TURN servers the signaling server hands out at login, as duet-cli uses.
  const pc = new RTCPeerConnection({ iceServers: options.lab ? loggedIn.ice_servers || [] : [] });
  const sampler = options.lab ? startStatsSampler(pc) : null;
  window.duetPeer = pc; // the tab runner reads its getStats()
  const pendingCandidates = [];
  const remoteCandidates = [];
  let canSignal = false;
  let videoProbe = null;
  let audioProbe = null;
  let control = null;
  const remoteAvailability = [];
  const timing = {};

  const sendCall = (action, fields) =>
    socket.request({ type: "call", action, call_id: call.id, device: options.device, seq: ++call.seq, call_token: call.token ?? undefined, ...fields });
  const signal = (payload) => sendCall("signal", { payload }).catch((e) => note(`signal refused: ${e.message}`));

  pc.onicecandidate = ({ candidate }) => {
    if (!candidate || !candidate.candidate) return;
    // Off the lab's namespaces, only loopback: tests may use 127.0.0.0/8 as their only network.
    if (!options.lab && !isLoopbackCandidate(candidate.candidate)) return;
    const payload = { kind: "candidate", candidate: candidate.candidate, sdp_mid: candidate.sdpMid, sdp_mline_index: candidate.sdpMLineIndex };
    if (canSignal) signal(payload);
    else pendingCandidates.push(payload);
  };
  pc.onconnectionstatechange = () => note(`connection ${pc.connectionState}`);
  // The web client (options.view) shows and plays what it receives, as a user's page would, and
  // measures its painting; the interop checks probe every decoded frame and sample instead.
  let paints = null;
  pc.ontrack = ({ track }) => {
    note(`remote ${track.kind} track`);
    if (options.view) {
      if (track.kind === "video") paints = showRemoteVideo(track, () => progress("first_remote_frame"));
      else playRemoteAudio(track);
    } else if (track.kind === "video") videoProbe = probeVideo(track, () => call.released, () => progress("first_remote_frame"), !options.lab);
    else audioProbe = probeAudio(track, () => call.released, options.lab ? 600 : 4);
  };
  const attachControl = (channel) => {
    control = channel;
    const sendState = () => { if (channel.readyState === "open") channel.send(JSON.stringify({ audio: call.released, video: call.released })); };
    channel.onopen = sendState;
    channel.onmessage = ({ data }) => remoteAvailability.push(JSON.parse(data));
    control.sendState = sendState;
    sendState();
  };
  pc.ondatachannel = ({ channel }) => attachControl(channel);

  const attachTracks = async () => {
    for (const transceiver of pc.getTransceivers()) {
      const kind = transceiver.receiver.track.kind;
      await transceiver.sender.replaceTrack(kind === "video" ? video.track : audio.track);
      // The web client in a comparison sends what the Duet side sends: the same bitrate ceiling,
      // and the asked size kept (Duet keeps 720p at 2 Mbit/s; Chromium would scale to 540p).
      if (kind === "video" && options.maxBitrateKbps) {
        const parameters = transceiver.sender.getParameters();
        for (const encoding of parameters.encodings ?? []) encoding.maxBitrate = options.maxBitrateKbps * 1000;
        if (!options.lab) parameters.degradationPreference = "maintain-resolution";
        await transceiver.sender.setParameters(parameters).catch((e) => note(`sender parameters not set: ${e}`));
      }
    }
  };
  const release = async () => {
    call.released = true;
    timing.releasedAt = performance.now();
    // An answer given before the offer arrived attaches the tracks when it comes (onSignal).
    await attachTracks();
    if (control) control.sendState();
    await progress("released");
  };

  // Events are handled one at a time, in the order the server sent them: an answer must be
  // applied before the candidates that follow it.
  let handling = Promise.resolve();
  const ended = new Promise((resolve) => {
    socket.onCall = (msg) => {
      handling = handling.then(() => onEvent(msg, resolve)).catch((error) => note(`event ${msg.event} failed: ${error}`));
    };
    for (const msg of socket.early.splice(0)) socket.onCall(msg);
  });

  async function onEvent(msg, resolveEnded) {
    if (call.id && msg.call_id !== call.id && msg.event !== "invited") return;
    switch (msg.event) {
      case "invited":
        if (options.role !== "callee" || call.id) return;
        call.id = msg.call_id;
        call.token = msg.call_token;
        timing.invitedAt = performance.now();
        note(`invited ${msg.call_id}`);
        setTimeout(accept, options.acceptAfterMs);
        break;
      case "signal":
        await onSignal(msg.payload);
        break;
      case "accepted":
        note("accepted");
        timing.acceptedAt = performance.now();
        await release();
        break;
      case "ended":
        call.ended = msg.reason;
        note(`ended ${msg.reason}`);
        break;
      case "record":
        call.record = msg.record;
        resolveEnded();
        break;
      default:
        note(`event ${msg.event}`);
        if (["rejected", "busy", "canceled", "timeout"].includes(msg.event)) {
          call.ended = msg.event;
        }
    }
  }

  async function onSignal(payload) {
    const startAt = options.lab && options.maxBitrateKbps;
    const remoteSdp = (sdp) => (startAt ? withStartBitrate(sdp, options.maxBitrateKbps) : sdp);
    if (payload.kind === "offer") {
      await pc.setRemoteDescription({ type: "offer", sdp: remoteSdp(payload.sdp) });
      for (const c of remoteCandidates.splice(0)) await pc.addIceCandidate(c);
      for (const transceiver of pc.getTransceivers()) transceiver.direction = "sendrecv";
      if (call.released) await attachTracks();
      const answer = await pc.createAnswer();
      await pc.setLocalDescription(answer);
      canSignal = true;
      await signal({ kind: "answer", sdp: pc.localDescription.sdp });
      for (const c of pendingCandidates.splice(0)) signal(c);
    } else if (payload.kind === "answer") {
      await pc.setRemoteDescription({ type: "answer", sdp: remoteSdp(payload.sdp) });
      for (const c of remoteCandidates.splice(0)) await pc.addIceCandidate(c);
    } else if (payload.kind === "candidate") {
      const candidate = { candidate: payload.candidate, sdpMid: payload.sdp_mid, sdpMLineIndex: payload.sdp_mline_index };
      // The caller's candidates may come before its answer (duet trickles as it gathers).
      if (pc.remoteDescription) await pc.addIceCandidate(candidate);
      else remoteCandidates.push(candidate);
    } else {
      note(`signal ${payload.kind} ignored`);
    }
  }

  async function accept() {
    timing.acceptSentAt = performance.now();
    await sendCall("accept", {});
    note("accept acknowledged");
    await release();
  }

  if (options.role === "caller") {
    call.id = `c-${crypto.randomUUID()}`;
    timing.callAt = performance.now();
    pc.addTransceiver("audio", { direction: "sendrecv" });
    pc.addTransceiver("video", { direction: "sendrecv" });
    attachControl(pc.createDataChannel("duet-control", { ordered: true }));
    const offer = pc.createOffer().then((o) => pc.setLocalDescription(o));
    const ack = await sendCall("invite", { callee: options.peer, call_type: 2, timeout_ms: 30000, attachment: null });
    call.token = ack.call_token;
    await offer;
    canSignal = true;
    await signal({ kind: "offer", sdp: pc.localDescription.sdp });
    for (const c of pendingCandidates.splice(0)) signal(c);
    note("invite acknowledged, offer sent");
  }

  // The runner hangs up on request (a line "hangup" on its stdin).
  window.duetHangup = async () => {
    if (call.ended !== null) return;
    await progress("hanging_up");
    await sendCall("hangup", { reason: "user_hangup" }).catch((e) => note(`hangup refused: ${e.message}`));
  };

  // Once enough media came through (frames with readable stamps and seconds of audio, counted
  // from the answer), say so; with hangup "auto" also hang up, after at least talkMs of talk.
  const deadline = performance.now() + options.guardMs;
  let enough = false;
  while (performance.now() < deadline && call.ended === null) {
    // The web client plays its audio instead of sampling it: its frames painted are the measure.
    const heard = audioProbe ? audioProbe.samples.length / audioProbe.sampleRate : options.view ? Infinity : 0;
    const seen = videoProbe ? videoProbe.frames.length : paints ? paints.painted : 0;
    if (!enough && call.released && seen >= options.minFrames && heard >= options.minAudioSeconds) {
      enough = true;
      await progress("enough_media");
    }
    if (enough && options.hangup === "auto" && performance.now() - timing.releasedAt >= options.talkMs) {
      await window.duetHangup();
      break;
    }
    await new Promise((r) => setTimeout(r, 50));
  }

  const guard = new Promise((resolve) => setTimeout(resolve, options.guardMs));
  await Promise.race([ended, guard]);
  const result = summarize();
  if (sampler) sampler.stop();
  pc.close();
  video.stop();
  audio.stop();
  if (videoProbe) videoProbe.stopped = true;
  if (audioProbe) audioProbe.stopped = true;
  socket.close();
  return result;

  function summarize() {
    const frames = videoProbe ? videoProbe.frames : [];
    const stamps = frames.map((f) => f.stamp);
    const numbers = stamps.filter(Boolean).map((s) => s.frameNumber);
    const ages = frames.filter((f) => f.ageMs !== null).map((f) => f.ageMs);
    // The steady state, as the duet bench takes it: from one second after the first frame.
    const steadyFrom = frames.length ? frames[0].at + 1000 : 0;
    const steadyFrames = frames.filter((f) => f.at >= steadyFrom);
    const steadyAges = steadyFrames.filter((f) => f.ageMs !== null).map((f) => Math.round(f.ageMs * 10) / 10);
    // Decoded frames a second over the steady state: CPU figures are only comparable at equal rates.
    const steadySpanMs = steadyFrames.length > 1 ? steadyFrames[steadyFrames.length - 1].at - steadyFrames[0].at : 0;
    const steadyFps = steadySpanMs > 0 ? Math.round(((steadyFrames.length - 1) * 10000) / steadySpanMs) / 10 : null;
    const start = options.role === "caller" ? timing.callAt : timing.acceptSentAt;
    const first = videoProbe ? videoProbe.firstFrameAt : paints ? paints.firstFrameAt : null;
    const samples = audioProbe ? audioProbe.samples : [];
    const rate = audioProbe ? audioProbe.sampleRate : 48000;
    // Skip the first half second: the jitter buffer and the far side's encoder start up there.
    const steady = samples.slice(Math.min(samples.length, rate / 2));
    return {
      role: options.role,
      callId: call.id,
      record: call.record,
      endReason: call.ended,
      released: call.released,
      video: {
        framesSent: video.framesDrawn(),
        framesDecoded: frames.length,
        framesBeforeRelease: videoProbe ? videoProbe.framesBeforeOpen : 0,
        unreadable: stamps.filter((s) => !s).length,
        frameNumbersIncrease: numbers.every((n, i) => i === 0 || n > numbers[i - 1]),
        firstFrameNumber: numbers.length ? numbers[0] : null,
        lastFrameNumber: numbers.length ? numbers[numbers.length - 1] : null,
        sizes: [...new Set(frames.map((f) => `${f.width}x${f.height}`))],
        captureToDecodedMs: { p50: percentile(ages, 0.5), p95: percentile(ages, 0.95), count: ages.length },
        steadyAgesMs: steadyAges,
        steadyFps,
        error: videoProbe ? videoProbe.error ?? null : "no remote video track",
      },
      audio: {
        seconds: samples.length / rate,
        chunksBeforeRelease: audioProbe ? audioProbe.chunksBeforeOpen : 0,
        expectedToneDb: toneLevelDb(steady, rate, options.expectToneHz),
        ownToneDb: toneLevelDb(steady, rate, options.toneHz),
        error: audioProbe ? audioProbe.error ?? null : "no remote audio track",
      },
      remoteAvailability,
      paints: paints ? paints.summary() : null,
      lab: options.lab ? labSummary(frames, audioProbe, sampler, options) : null,
      firstRemoteFrameMs: first !== null && start !== undefined ? first - start : null,
      serverErrors: socket.errors,
      log,
    };
  }
}

window.runCall = runCall;

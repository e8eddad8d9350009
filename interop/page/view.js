// What the web client does with the media it receives: the remote video in the page's <video>
// element, its audio played, and a meter of what Chromium paints. The meter uses
// requestVideoFrameCallback, whose metadata says when each frame's last packet arrived
// (receiveTime), how long its decode took (processingDuration) and when the compositor presents
// it (presentationTime, expectedDisplayTime), all on the page's performance.now() clock.
"use strict";

/** Nearest-rank percentile `p` (0..1) of `values`, null when empty (as client.js's percentile). */
function rank(values, p) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

/** Shows `track` in #remote-video and meters its paints; `onFirstFrame` runs at the first one. */
function showRemoteVideo(track, onFirstFrame) {
  const video = document.getElementById("remote-video");
  video.srcObject = new MediaStream([track]);
  video.play().catch(() => {});
  const meter = { painted: 0, firstFrameAt: null, frames: [], from: null };
  const onFrame = (now, meta) => {
    meter.painted++;
    if (meter.firstFrameAt === null) {
      meter.firstFrameAt = now;
      onFirstFrame();
    }
    if (meter.from !== null) {
      meter.frames.push({
        now,
        presented: meta.presentationTime,
        expected: meta.expectedDisplayTime,
        receive: meta.receiveTime ?? null,
        processingMs: meta.processingDuration !== undefined ? meta.processingDuration * 1000 : null,
        presentedFrames: meta.presentedFrames,
        width: meta.width,
        height: meta.height,
      });
    }
    video.requestVideoFrameCallback(onFrame);
  };
  video.requestVideoFrameCallback(onFrame);

  /** Starts the measured window: frames painted from now on are kept. */
  meter.mark = () => {
    meter.from = performance.now();
    meter.frames = [];
  };

  /** What was painted since `mark()`: rates and latencies in ms. */
  meter.summary = () => {
    const frames = meter.frames;
    if (frames.length < 2) return { frames: frames.length };
    const first = frames[0];
    const last = frames[frames.length - 1];
    const seconds = (last.now - first.now) / 1000;
    const received = frames.filter((f) => f.receive !== null);
    const toPresented = received.map((f) => f.presented - f.receive);
    const toExpected = received.map((f) => f.expected - f.receive);
    // Receive to presented less the decode: the jitter buffer's hold plus the paint.
    const decodedToPresented = received
      .filter((f) => f.processingMs !== null)
      .map((f) => f.presented - f.receive - f.processingMs);
    const processing = frames.filter((f) => f.processingMs !== null).map((f) => f.processingMs);
    const stats = (values) => ({ p50: rank(values, 0.5), p95: rank(values, 0.95), max: rank(values, 1), count: values.length });
    return {
      seconds,
      callbacks: frames.length,
      presentedFrames: last.presentedFrames - first.presentedFrames,
      paintedFps: (last.presentedFrames - first.presentedFrames) / seconds,
      size: `${last.width}x${last.height}`,
      receiveToPresentedMs: stats(toPresented),
      receiveToExpectedDisplayMs: stats(toExpected),
      decodedToPresentedMs: stats(decodedToPresented),
      decodeMs: stats(processing),
      // A stall the viewer sees, as the app's bench counts it: painted > 100 ms after arrival.
      lateOver100Ms: toPresented.filter((ms) => ms > 100).length,
    };
  };
  window.duetPaints = meter;
  return meter;
}

/** Plays `track` through an <audio> element, as a web client does. */
function playRemoteAudio(track) {
  const element = document.getElementById("remote-audio") || new Audio();
  element.srcObject = new MediaStream([track]);
  element.play().catch(() => {});
}

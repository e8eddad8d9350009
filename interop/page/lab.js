// The network lab's side-by-side benchmark (scripts/bench-impaired.sh): what the page measures
// when run.js is given --lab 1. Frame arrival times and the sender's rate are reported on the
// Unix-epoch clock in milliseconds, the clock duet-cli's --record-frame-times writes, so the
// bench reads both stacks the same way.
"use strict";

/** performance.now() on the Unix-epoch clock, in milliseconds. */
function unixMs(at) {
  return performance.timeOrigin + at;
}

/**
 * Samples `pc.getStats()` once a second: the bytes sent in RTP payloads (audio and video, as
 * duet's CALL_STATS send_kbps counts them) as kbit/s over the last second, and the received
 * audio's concealed samples. Returns the series and a stop function.
 */
function startStatsSampler(pc) {
  const sampler = { sendKbps: [], concealed: 0, received: 0, timer: null };
  let previous = null;
  sampler.timer = setInterval(async () => {
    const report = await pc.getStats().catch(() => null);
    if (!report) return;
    let sent = 0;
    let concealed = 0;
    let received = 0;
    report.forEach((entry) => {
      if (entry.type === "outbound-rtp") sent += entry.bytesSent || 0;
      if (entry.type === "inbound-rtp" && entry.kind === "audio") {
        concealed += entry.concealedSamples || 0;
        received += entry.totalSamplesReceived || 0;
      }
    });
    const now = performance.now();
    if (previous) {
      const seconds = (now - previous.at) / 1000;
      sampler.sendKbps.push([unixMs(now), ((sent - previous.sent) * 8) / 1000 / seconds]);
    }
    previous = { at: now, sent };
    sampler.concealed = concealed;
    sampler.received = received;
  }, 1000);
  sampler.stop = () => clearInterval(sampler.timer);
  return sampler;
}

/**
 * Of the whole seconds of `samples`, how many carry the `heardHz` tone: above -30 dB and 20 dB
 * over the page's own `ownHz` tone, the test duet's lab applies to duet-cli's recordings
 * (tests/src/lab/media.rs `tone_windows`). The first second is left out, as there.
 */
function toneWindows(samples, rate, heardHz, ownHz) {
  let heard = 0;
  let total = 0;
  for (let start = rate; start + rate <= samples.length; start += rate) {
    const window = samples.slice(start, start + rate);
    const level = toneLevelDb(window, rate, heardHz);
    if (level > -30 && level > toneLevelDb(window, rate, ownHz) + 20) heard++;
    total++;
  }
  return [heard, total];
}

/** The lab's part of a call's result. */
function labSummary(frames, audioProbe, sampler, options) {
  const samples = audioProbe ? audioProbe.samples : [];
  const rate = audioProbe ? audioProbe.sampleRate : 48000;
  return {
    frameTimesMs: frames.map((f) => Math.round(unixMs(f.at) * 100) / 100),
    sizes: [...new Set(frames.map((f) => `${f.width}x${f.height}`))],
    toneWindows: toneWindows(samples, rate, options.expectToneHz, options.toneHz),
    sendKbps: sampler ? sampler.sendKbps : [],
    concealedShare: sampler && sampler.received > 0 ? sampler.concealed / sampler.received : null,
  };
}

/**
 * `sdp` with Chromium's start rate for VP8 set to `kbps` (x-google-start-bitrate on each VP8
 * payload type's fmtp line): Chromium starts a call at 300 kbit/s and duet at its ceiling, and
 * the lab compares the two from the same start. Applied to the remote description, whose codec
 * parameters Chromium's sender takes.
 */
function withStartBitrate(sdp, kbps) {
  const lines = sdp.split("\r\n");
  const vp8 = new Set();
  for (const line of lines) {
    const match = /^a=rtpmap:(\d+) VP8\/90000/.exec(line);
    if (match) vp8.add(match[1]);
  }
  const out = [];
  const withFmtp = new Set();
  for (const line of lines) {
    const fmtp = /^a=fmtp:(\d+) /.exec(line);
    if (fmtp && vp8.has(fmtp[1])) {
      withFmtp.add(fmtp[1]);
      out.push(`${line};x-google-start-bitrate=${kbps}`);
    } else {
      out.push(line);
    }
  }
  // Payload types without an fmtp line get one, right after their rtpmap line.
  const result = [];
  for (const line of out) {
    result.push(line);
    const match = /^a=rtpmap:(\d+) VP8\/90000/.exec(line);
    if (match && !withFmtp.has(match[1])) result.push(`a=fmtp:${match[1]} x-google-start-bitrate=${kbps}`);
  }
  return result.join("\r\n");
}

// `run.js tab`: the web client (page/tab.html) in a Chromium window on the current display,
// placing one 720p video call to --peer, measured as docs/benchmarks.md "Against a browser tab"
// describes: after the first remote frame and --settle seconds, for --seconds, the CPU of all of
// Chromium's processes, their PSS (median of one sample a second), what the page painted
// (requestVideoFrameCallback) and WebRTC's own counters; then it hangs up. Prints
// {"event":"BROWSER_TAB_RESULT", ...} and returns whether the call ended with its record.
"use strict";

const { cpuByProcess, treeCpuSeconds, treePss } = require("./procs");

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The page's WebRTC counters that say what was received, decoded, sent and concealed. */
function readStats() {
  return window.duetPeer.getStats().then((report) => {
    const out = {};
    report.forEach((s) => {
      if (s.type === "inbound-rtp" && s.kind === "video") {
        out.videoIn = {
          framesDecoded: s.framesDecoded, framesDropped: s.framesDropped, framesReceived: s.framesReceived,
          width: s.frameWidth, height: s.frameHeight, bytes: s.bytesReceived,
          jitterBufferDelay: s.jitterBufferDelay, jitterBufferEmitted: s.jitterBufferEmittedCount,
          totalDecodeTime: s.totalDecodeTime, freezeCount: s.freezeCount, totalFreezesDuration: s.totalFreezesDuration,
          decoder: s.decoderImplementation,
        };
      } else if (s.type === "inbound-rtp" && s.kind === "audio") {
        out.audioIn = { samples: s.totalSamplesReceived, concealed: s.concealedSamples };
      } else if (s.type === "outbound-rtp" && s.kind === "video") {
        out.videoOut = {
          framesEncoded: s.framesEncoded, width: s.frameWidth, height: s.frameHeight, bytes: s.bytesSent,
          limitation: s.qualityLimitationReason, encoder: s.encoderImplementation,
        };
      }
    });
    return out;
  });
}

/** Differences of the counters between two readings, as rates over `seconds`. */
function rates(start, end, seconds) {
  const vi0 = start.videoIn ?? {};
  const vi = end.videoIn ?? {};
  const vo0 = start.videoOut ?? {};
  const vo = end.videoOut ?? {};
  const ai0 = start.audioIn ?? {};
  const ai = end.audioIn ?? {};
  const decoded = vi.framesDecoded - vi0.framesDecoded;
  const emitted = vi.jitterBufferEmitted - vi0.jitterBufferEmitted;
  return {
    receivedSize: `${vi.width}x${vi.height}`,
    decodedFps: decoded / seconds,
    droppedFrames: vi.framesDropped - vi0.framesDropped,
    receivedKbps: ((vi.bytes - vi0.bytes) * 8) / seconds / 1000,
    jitterBufferMs: emitted > 0 ? ((vi.jitterBufferDelay - vi0.jitterBufferDelay) * 1000) / emitted : null,
    decodeMs: decoded > 0 ? ((vi.totalDecodeTime - vi0.totalDecodeTime) * 1000) / decoded : null,
    freezes: (vi.freezeCount ?? 0) - (vi0.freezeCount ?? 0),
    decoder: vi.decoder,
    sentSize: `${vo.width}x${vo.height}`,
    encodedFps: (vo.framesEncoded - vo0.framesEncoded) / seconds,
    sentKbps: ((vo.bytes - vo0.bytes) * 8) / seconds / 1000,
    qualityLimitation: vo.limitation,
    encoder: vo.encoder,
    audioConcealedShare: ai.samples > ai0.samples ? (ai.concealed - ai0.concealed) / (ai.samples - ai0.samples) : null,
  };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor(sorted.length / 2)] : null;
}

async function tab(pageUrl, options, opened, openPage, emit) {
  let firstFrame;
  let painting = false;
  const firstFrameSeen = new Promise((resolve) => { firstFrame = resolve; });
  const onProgress = async (what) => {
    emit({ event: `BROWSER_${what.toUpperCase()}` });
    if (what === "first_remote_frame") {
      painting = true;
      firstFrame();
    }
  };
  const [width, height] = options.windowSize;
  const one = await openPage(pageUrl, onProgress, {
    headless: false,
    args: [
      `--window-size=${width},${height}`,
      "--window-position=0,0",
      // The camera sends this file's pictures (what the Duet app's camera sends in the comparison).
      ...(options.fakeVideo ? [`--use-file-for-fake-video-capture=${options.fakeVideo}`] : []),
    ],
  });
  opened.push(one);
  const root = one.server.process().pid;
  const call = one.page.evaluate((fields) => window.startTabCall(fields), { ...options.page, ...options.media });
  const endedEarly = call.then((result) => {
    if (!painting) throw new Error(`the call ended before any frame was painted: ${JSON.stringify(result.endReason)}`);
  });
  await Promise.race([firstFrameSeen, endedEarly]);
  await sleep(options.settleSeconds * 1000);

  await one.page.evaluate(() => window.duetPaints.mark());
  const statsStart = await one.page.evaluate(readStats);
  const cpuStart = treeCpuSeconds(root);
  const perProcessStart = cpuByProcess(root);
  const started = performance.now();
  const pss = [];
  let processes = [];
  while (performance.now() - started < options.seconds * 1000) {
    const sample = treePss(root);
    pss.push(sample.totalMib);
    processes = sample.processes;
    await sleep(1000);
  }
  const cpuEnd = treeCpuSeconds(root);
  const perProcessEnd = cpuByProcess(root);
  const seconds = (performance.now() - started) / 1000;
  const paints = await one.page.evaluate(() => window.duetPaints.summary());
  const statsEnd = await one.page.evaluate(readStats);

  await one.page.evaluate(() => window.duetHangup());
  const result = await call;
  emit({
    event: "BROWSER_TAB_RESULT",
    seconds,
    cpuPercent: ((cpuEnd - cpuStart) / seconds) * 100,
    pssMib: median(pss),
    processes: processes.map((p) => `${p.name} ${(p.pssKib / 1024).toFixed(1)} MiB`),
    cpuByProcess: Object.entries(perProcessEnd)
      .map(([pid, { name, seconds: end }]) => ({ pid, name, percent: ((end - (perProcessStart[pid]?.seconds ?? 0)) / seconds) * 100 }))
      .filter((p) => p.percent >= 0.5)
      .sort((a, b) => b.percent - a.percent)
      .map((p) => `${p.name}(${p.pid}) ${p.percent.toFixed(1)}%`),
    paints,
    webrtc: rates(statsStart, statsEnd, seconds),
    record: result.record,
    endReason: result.endReason,
  });
  return Boolean(result.record);
}

module.exports = { tab };

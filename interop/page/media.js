// Local media the page sends and probes for the media it receives.
//
// Sending: a canvas drawing duet's test-pattern code over moving bars, each drawn picture written
// once to a MediaStreamTrackGenerator, so each sent frame is exactly one stamp and a WebAudio
// oscillator at a known frequency. Receiving: MediaStreamTrackProcessor hands over every decoded
// VideoFrame and AudioData, so the probes see what the decoder produced, as duet-media's sinks do.
"use strict";

/** A canvas video track of `width`x`height` at `fps` carrying the stamp, and its stop function. */
function startPatternSource(width, height, fps) {
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext("2d", { alpha: false });
  // A track generator, not canvas.captureStream(): a canvas track answers the encoder's
  // keyframe requests (our PLI) by capturing the same canvas again, which sends one picture
  // twice; a generator sends exactly the frames written to it.
  const track = new MediaStreamTrackGenerator({ kind: "video" });
  const writer = track.writable.getWriter();
  const started = performance.now();
  const codeHeight = STAMP_ROWS * stampBlockSize(width);
  let frameNumber = 0;
  const draw = () => {
    const n = frameNumber++;
    ctx.fillStyle = "#303030";
    ctx.fillRect(0, 0, width, height);
    // Moving bars and a moving box give the encoder real motion, as duet's pattern does.
    ctx.fillStyle = "#8080c0";
    const period = 128;
    for (let x = -period + ((n * 4) % period); x < width; x += period) {
      ctx.fillRect(x, codeHeight, period / 2, height - codeHeight);
    }
    const box = Math.max(2, Math.min(Math.floor(height / 4), Math.floor(width / 2)));
    ctx.fillStyle = "#e0e0e0";
    ctx.fillRect((n * 7) % Math.max(1, width - box), codeHeight + ((n * 3) % Math.max(1, height - codeHeight - box)), box, box);
    // Stamped last, after drawing, so the capture time is when the picture was complete.
    drawStamp(ctx, width, n, nowUs());
    const frame = new VideoFrame(canvas, { timestamp: Math.round((performance.now() - started) * 1000) });
    // After stop() writes reject; nothing is lost then.
    writer.write(frame).catch(() => {}).finally(() => frame.close());
  };
  draw();
  const timer = setInterval(draw, 1000 / fps);
  return { track, stop: () => { clearInterval(timer); track.stop(); }, framesDrawn: () => frameNumber };
}

/**
 * The camera and microphone through getUserMedia, as a user's web client sends them (Chromium's
 * fake devices under --use-fake-device-for-media-stream: a moving picture and a beeping tone),
 * asked for at `width`x`height` and `fps`; shown in the page's local preview when it has one.
 */
async function startCameraSource(width, height, fps) {
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: true,
    video: { width: { exact: width }, height: { exact: height }, frameRate: { ideal: fps, max: fps } },
  });
  const preview = document.getElementById("local-video");
  if (preview) preview.srcObject = new MediaStream(stream.getVideoTracks());
  const [videoTrack] = stream.getVideoTracks();
  const [audioTrack] = stream.getAudioTracks();
  return {
    video: { track: videoTrack, stop: () => videoTrack.stop(), framesDrawn: () => null },
    audio: { track: audioTrack, stop: () => audioTrack.stop() },
  };
}

/** An audio track carrying a sine tone of `hz`. */
function startToneSource(hz) {
  const context = new AudioContext({ sampleRate: 48000 });
  const oscillator = context.createOscillator();
  oscillator.frequency.value = hz;
  const gain = context.createGain();
  gain.gain.value = 0.3;
  const destination = context.createMediaStreamDestination();
  oscillator.connect(gain).connect(destination);
  oscillator.start();
  const track = destination.stream.getAudioTracks()[0];
  return { track, stop: () => { track.stop(); context.close(); } };
}

/**
 * Reads every decoded frame of a remote video track. `isOpen()` says whether frames count yet
 * (after the answer); frames before that are counted apart. Keeps each frame's stamp (or null),
 * its size, the arrival time and the capture-to-decoded age; calls `onFirstFrame` once.
 * With `readStamps` false, stamps are not read (null).
 */
function probeVideo(track, isOpen, onFirstFrame, readStamps = true) {
  const probe = { frames: [], framesBeforeOpen: 0, firstFrameAt: null, stopped: false };
  const reader = new MediaStreamTrackProcessor({ track }).readable.getReader();
  let scratch = null;
  (async () => {
    while (!probe.stopped) {
      const { value: frame, done } = await reader.read();
      if (done) break;
      const arrived = performance.now();
      try {
        if (!isOpen()) {
          probe.framesBeforeOpen++;
          continue;
        }
        // The lab's benchmark only times frames: reading the code from each 720p picture
        // would cost the receiving page CPU that duet-cli does not spend.
        const stamp = readStamps ? await stampOf(frame) : null;
        if (probe.firstFrameAt === null) {
          probe.firstFrameAt = arrived;
          onFirstFrame();
        }
        probe.frames.push({
          stamp,
          width: frame.displayWidth,
          height: frame.displayHeight,
          at: arrived,
          ageMs: stamp ? stampAgeMs(stamp) : null,
        });
      } finally {
        frame.close();
      }
    }
  })().catch((error) => { probe.error = String(error); });

  async function stampOf(frame) {
    const width = frame.displayWidth;
    const height = frame.displayHeight;
    if (frame.format && /^(I420|I420A|I422|I444|NV12)$/.test(frame.format)) {
      // Decoded into memory: the first plane is luma at the frame's own stride.
      const size = frame.allocationSize();
      if (!scratch || scratch.length < size) scratch = new Uint8Array(size);
      const layout = await frame.copyTo(scratch);
      const { offset, stride } = layout[0];
      return readStamp((x, y) => scratch[offset + y * stride + x], width, height);
    }
    // A texture-backed frame: read the code rows back through a canvas (RGB ~ luma for grey).
    const canvas = new OffscreenCanvas(width, STAMP_ROWS * stampBlockSize(width));
    const ctx = canvas.getContext("2d");
    ctx.drawImage(frame, 0, 0);
    const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
    return readStamp((x, y) => data[(y * canvas.width + x) * 4], width, height);
  }
  return probe;
}

/** Collects a remote audio track's samples (48 kHz mono, first channel) once `isOpen()`. */
function probeAudio(track, isOpen, maxSeconds) {
  const probe = { samples: [], sampleRate: 48000, chunksBeforeOpen: 0, stopped: false };
  // Chromium only pulls a remote WebRTC audio track through its decoder while something plays
  // it; a muted element is enough and keeps the headless browser silent.
  const element = new Audio();
  element.muted = true;
  element.srcObject = new MediaStream([track]);
  element.play().catch((error) => { probe.error = `audio element: ${error}`; });
  const reader = new MediaStreamTrackProcessor({ track }).readable.getReader();
  (async () => {
    while (!probe.stopped) {
      const { value: data, done } = await reader.read();
      if (done) break;
      try {
        if (!isOpen()) {
          probe.chunksBeforeOpen++;
          continue;
        }
        probe.sampleRate = data.sampleRate;
        if (probe.samples.length >= maxSeconds * data.sampleRate) continue;
        const channel = new Float32Array(data.numberOfFrames);
        data.copyTo(channel, { planeIndex: 0, format: "f32-planar" });
        for (const s of channel) probe.samples.push(s);
      } finally {
        data.close();
      }
    }
  })().catch((error) => { probe.error = String(error); });
  return probe;
}

/**
 * Level in dB (full-scale sine = 0 dB) of `hz` in `samples`: the Goertzel algorithm over a Hann
 * window, as duet-media's `tone_level_db` measures it.
 */
function toneLevelDb(samples, sampleRate, hz) {
  const n = samples.length;
  if (n === 0) return -Infinity;
  const w = (2 * Math.PI * hz) / sampleRate;
  const coeff = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const window = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
    const s0 = samples[i] * window + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  // A full-scale sine through a Hann window gives amplitude n/4 in its bin.
  const amplitude = Math.sqrt(Math.max(power, 0)) / (n / 4);
  return 20 * Math.log10(Math.max(amplitude, 1e-12));
}

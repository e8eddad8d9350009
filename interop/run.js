#!/usr/bin/env node
// Runs the browser interop client (interop/page) in headless Chromium through playwright-core.
//
//   node interop/run.js call   --server URL --app-key K --account A --token T --peer B [media]
//   node interop/run.js answer --server URL --app-key K --account A --token T [--accept-after MS] [media]
//   node interop/run.js pair   --server URL --app-key K --account A --token T --peer B --peer-token T2 [media]
//   node interop/run.js tab    --server URL --app-key K --account A --token T --peer B [--seconds 30 --settle 5
//                              --window 1100x720 --fake-video FILE.y4m --max-bitrate KBPS]
//
// `call` places one video call to B and hangs up once enough media crossed both ways; `answer`
// takes the first call and waits for the caller to hang up; `pair` is the baseline of
// docs/benchmarks.md: two Chromium instances, A calling B through the same server, with each
// instance's CPU use measured over the steady part of the call.
//
// media: --width 640 --height 480 --fps 30 --tone 660 (the tone sent) --expect-tone 440 (the tone
// the far side sends) --min-frames 60 --min-audio 2 (seconds) --talk-ms 3000 --guard-ms 60000
// --max-bitrate KBPS (the video sender's ceiling; none by default).
// --lab 1: the network lab's benchmark (scripts/bench-impaired.sh, docs/interop.md): candidates of
// every address and the STUN/TURN servers of the login, no stamp reading, and the result's `lab`
// field (frame arrival times, tone windows, send rate). --spki HASH trusts the server certificate
// whose public key has that base64 SHA-256 (Chromium's --ignore-certificate-errors-spki-list),
// for the lab's own certificate authority.
// --hangup auto|never: whether this page hangs up once it received --min-frames decoded frames
// and --min-audio seconds of audio and --talk-ms passed since the answer (default: the caller
// does, the callee does not). Either way it reports BROWSER_ENOUGH_MEDIA at that point. A line
// "hangup" on stdin hangs up at once (call and answer modes).
//
// Prints JSON lines on stdout: {"event":"BROWSER_LOGGED_IN"}, BROWSER_RELEASED,
// BROWSER_FIRST_REMOTE_FRAME, BROWSER_HANGING_UP as they happen, then {"event":"BROWSER_RESULT",
// "result": the page's report} (for `pair` only {"event":"BROWSER_PAIR_RESULT", caller, callee,
// cpu}; for `tab`, see interop/tab.js). Exit code 0 when every call ran to its record, 1 otherwise, 2 on bad usage. Checks of
// the media are left to whoever runs it (tests/tests/browser_interop.rs, the duet-call-media
// bench `browser_baseline`).
"use strict";

const fs = require("fs");
const http = require("http");
const path = require("path");
const { chromium } = require("playwright-core");
const { treeCpuSeconds } = require("./procs");
const { tab } = require("./tab");

const CHROMIUM = process.env.DUET_CHROMIUM || "/usr/bin/chromium";

// --disable-features=WebRtcHideLocalIpsWithMdns: Chromium would otherwise hide host addresses
// behind .local mDNS names, which webrtc-rs cannot resolve here (no multicast interface).
// The background-networking flags keep Chromium from dialling out on a closed network.
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--use-fake-ui-for-media-stream",
  "--use-fake-device-for-media-stream",
  "--allow-loopback-in-peer-connection",
  "--autoplay-policy=no-user-gesture-required",
  "--disable-features=WebRtcHideLocalIpsWithMdns",
];

function usage(message) {
  process.stderr.write(`run.js: ${message}\nsee the comment at the top of interop/run.js\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const [mode, ...rest] = argv;
  if (!["call", "answer", "pair", "tab"].includes(mode)) usage(`unknown mode ${mode}`);
  const flags = {};
  for (let i = 0; i < rest.length; i += 2) {
    if (!rest[i].startsWith("--") || rest[i + 1] === undefined) usage(`bad argument ${rest[i]}`);
    flags[rest[i].slice(2)] = rest[i + 1];
  }
  const need = (name) => flags[name] ?? usage(`--${name} is required`);
  const number = (name, fallback) => {
    const value = Number(flags[name] ?? fallback);
    if (!Number.isFinite(value)) usage(`--${name} must be a number`);
    return value;
  };
  const base = {
    url: need("server"),
    appKey: need("app-key"),
    width: number("width", 640),
    height: number("height", 480),
    fps: number("fps", 30),
    toneHz: number("tone", 660),
    expectToneHz: number("expect-tone", 440),
    minFrames: number("min-frames", 60),
    minAudioSeconds: number("min-audio", 2),
    talkMs: number("talk-ms", 3000),
    acceptAfterMs: number("accept-after", 500),
    guardMs: number("guard-ms", 60000),
    maxBitrateKbps: number("max-bitrate", 0) || undefined,
    lab: flags.lab === "1",
  };
  const hangup = (role) => {
    const value = flags.hangup ?? (role === "caller" ? "auto" : "never");
    if (!["auto", "never"].includes(value)) usage("--hangup takes auto or never");
    return value;
  };
  const me = { ...base, account: need("account"), token: need("token") };
  me.device = flags.device ?? `${me.account}-chromium`;
  if (mode === "answer") return { mode, spki: flags.spki, callee: { ...me, role: "callee", hangup: hangup("callee") } };
  const caller = { ...me, role: "caller", peer: need("peer"), hangup: hangup("caller") };
  if (mode === "call") return { mode, spki: flags.spki, caller };
  if (mode === "tab") {
    const [windowWidth, windowHeight] = (flags.window ?? "1100x720").split("x").map(Number);
    if (!(windowWidth > 0 && windowHeight > 0)) usage("--window takes WIDTHxHEIGHT");
    return {
      mode,
      page: { url: caller.url, appKey: caller.appKey, account: caller.account, token: caller.token, peer: caller.peer, device: caller.device },
      seconds: number("seconds", 30),
      settleSeconds: number("settle", 5),
      windowSize: [windowWidth, windowHeight],
      media: { width: number("width", 1280), height: number("height", 720), fps: number("fps", 30), maxBitrateKbps: number("max-bitrate", 0) || undefined },
      fakeVideo: flags["fake-video"],
    };
  }
  const callee = {
    ...base,
    role: "callee",
    hangup: "never",
    account: caller.peer,
    token: need("peer-token"),
    device: `${caller.peer}-chromium`,
    // Both pages send the same kind of media; B's tone is what A expects and the other way round.
    toneHz: base.expectToneHz,
    expectToneHz: base.toneHz,
  };
  return { mode, caller, callee };
}

/** Serves interop/page on 127.0.0.1 (a secure context for getUserMedia and WebAudio). */
function servePage() {
  const root = path.join(__dirname, "page");
  const types = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css" };
  const server = http.createServer((req, res) => {
    const name = path.basename(new URL(req.url, "http://x").pathname) || "index.html";
    const file = path.join(root, name);
    fs.readFile(file, (error, body) => {
      if (error) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { "content-type": types[path.extname(file)] || "text/plain" }).end(body);
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

/**
 * A Chromium instance (its own process tree and profile) with the page open; the page's
 * milestones go to `onProgress(what)`.
 */
async function openPage(pageUrl, onProgress, launch = { headless: true, args: [] }) {
  const server = await chromium.launchServer({ executablePath: CHROMIUM, headless: launch.headless, args: [...CHROMIUM_ARGS, ...launch.args] });
  const browser = await chromium.connect(server.wsEndpoint());
  // A headful window keeps its own size (viewport null), as a user's browser window does.
  const page = await browser.newPage(launch.headless ? {} : { viewport: null });
  page.on("console", (message) => {
    if (message.type() === "error") process.stderr.write(`[page] ${message.text()}\n`);
  });
  page.on("pageerror", (error) => process.stderr.write(`[page] ${error}\n`));
  await page.exposeFunction("duetProgress", onProgress);
  await page.goto(pageUrl);
  return { server, browser, page };
}

/** Chromium flags the options ask for: the trusted certificate key of --spki. */
function flagsOfChromium(options) {
  return options.spki ? [`--ignore-certificate-errors-spki-list=${options.spki}`] : [];
}

/** Prints one JSON line on stdout. */
function emit(line) {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const web = await servePage();
  const pageUrl = `http://127.0.0.1:${web.address().port}/index.html`;
  const opened = [];
  let ok = false;
  try {
    if (options.mode === "pair") {
      ok = await pair(pageUrl, options, opened);
    } else if (options.mode === "tab") {
      ok = await tab(pageUrl.replace("index.html", "tab.html"), options, opened, openPage, emit);
    } else {
      const side = options.caller ?? options.callee;
      const progress = (what) => emit({ event: `BROWSER_${what.toUpperCase()}` });
      const launch = { headless: true, args: flagsOfChromium(options) };
      const one = await openPage(pageUrl, progress, launch);
      opened.push(one);
      // A line "hangup" on stdin hangs the call up (how a test ends a call when it has seen enough).
      require("readline").createInterface({ input: process.stdin }).on("line", (line) => {
        if (line.trim() === "hangup") one.page.evaluate(() => window.duetHangup && window.duetHangup()).catch(() => {});
      });
      const result = await one.page.evaluate((o) => window.runCall(o), side);
      ok = Boolean(result.record);
      emit({ event: "BROWSER_RESULT", result });
    }
  } finally {
    for (const { browser, server } of opened) {
      await browser.close().catch(() => {});
      await server.close().catch(() => {});
    }
    web.close();
  }
  process.exit(ok ? 0 : 1);
}

/**
 * Chromium calling Chromium: the callee page logs in, the caller page calls it. CPU of each
 * instance (% of one core) is taken from one second after the caller's first remote frame to its
 * hang-up, the two-way steady state, as the duet bench measures it.
 */
async function pair(pageUrl, options, opened) {
  let pids = [];
  let calleeReady;
  const calleeLoggedIn = new Promise((resolve) => { calleeReady = resolve; });
  const cpu = {};
  const sample = () => ({ at: performance.now(), cpu: pids.map(treeCpuSeconds) });
  const onCaller = async (what) => {
    if (what === "first_remote_frame") setTimeout(() => { cpu.start = sample(); }, 1000);
    if (what === "hanging_up" && cpu.start) cpu.end = sample();
  };
  const a = await openPage(pageUrl, onCaller);
  opened.push(a);
  const b = await openPage(pageUrl, async (what) => { if (what === "logged_in") calleeReady(); });
  opened.push(b);
  pids = [a.server.process().pid, b.server.process().pid];
  const answering = b.page.evaluate((o) => window.runCall(o), options.callee);
  await calleeLoggedIn;
  const caller = await a.page.evaluate((o) => window.runCall(o), options.caller);
  const callee = await answering;
  let usage = null;
  if (cpu.start && cpu.end) {
    const seconds = (cpu.end.at - cpu.start.at) / 1000;
    usage = {
      seconds,
      callerPercent: ((cpu.end.cpu[0] - cpu.start.cpu[0]) / seconds) * 100,
      calleePercent: ((cpu.end.cpu[1] - cpu.start.cpu[1]) / seconds) * 100,
    };
  }
  emit({ event: "BROWSER_PAIR_RESULT", caller, callee, cpu: usage });
  return Boolean(caller.record && callee.record);
}

main().catch((error) => {
  process.stderr.write(`run.js: ${error.stack || error}\n`);
  process.exit(1);
});

// Development preview: the page in a plain browser against a scripted mock backend, one scene per
// URL (?scene=signin|contacts|calling|call|audio|waiting|ringing|history|settings|popup|link&lang=zh|en;
// link: a duet://call link's confirm panel).
// The call scenes feed a moving 1280x720 test pattern at 30 fps through the real parse -> newest-
// frame-wins -> WebGL path. Not part of the build (vite builds index.html only).
import "../src/styles/base.css";
import "../src/styles/main.css";
import "../src/styles/call.css";
import "../src/styles/popup.css";
import { startMainApp } from "../src/app/mainApp";
import type { Backend } from "../src/backend/backend";
import type { AppState, Bootstrap, CallStats, Contact, HistoryRecord, Settings, SignedIn } from "../src/backend/types";
import { encodeFrame, parseFrame } from "../src/frames/header";
import { startPopup } from "../src/popup/popupApp";

const params = new URLSearchParams(location.search);
const scene = params.get("scene") ?? "contacts";
const lang = params.get("lang") === "zh" ? "zh" : "en";
const now = Date.now();

const call = (callType: 1 | 2, answered: boolean) => ({
  callId: "c1", peer: "lin", peerNick: lang === "zh" ? "林晓" : "Lin Xiao", callType, outgoing: true,
  answeredAtMs: answered ? now - 754_000 : null, muted: false, cameraOn: true, remoteAudio: true,
  remoteVideo: true, remoteVideoPaused: false, switchRequest: null, sharing: false, remoteSharing: false,
  // `&nocamera=1`: this device has no camera, as on a machine without one.
  devices: { camera: params.get("nocamera") === "1" ? "not_found" as const : "ok" as const, microphone: "ok" as const },
});
// `&insecure=1`: signed in over plain ws:// to another machine, so the "Not secure" marker shows.
const insecure = params.get("insecure") === "1";
const me: SignedIn = {
  account: "me", nick: lang === "zh" ? "王小明" : "Sam Wang", server: insecure ? "ws://192.168.1.20:7420/ws" : "",
  embedded: !insecure, transport: insecure ? "plain" : "loopback",
};
const contacts: Contact[] = [
  { account: "sam", nick: lang === "zh" ? "孙明" : "Sam Reed", presence: "offline", state: "incoming" },
  { account: "echo", nick: lang === "zh" ? "回声测试" : "Echo test", presence: "online", state: "accepted" },
  { account: "lin", nick: lang === "zh" ? "林晓" : "Lin Xiao", presence: "online", state: "accepted" },
  { account: "maria", nick: "Maria García", presence: "in_call", state: "accepted" },
  { account: "chen", nick: lang === "zh" ? "陈思远" : "Chen Siyuan", presence: "offline", state: "accepted" },
  { account: "olivia", nick: "Olivia Brown", presence: "offline", state: "outgoing" },
];
const appState = (status: AppState["status"], over: Partial<AppState> = {}): AppState => ({
  status, call: null, invite: null, waiting: null, connection: "connected", signedIn: status === "signed_out" ? null : me,
  contacts: status === "signed_out" ? [] : contacts, missedCalls: scene === "missed" ? 2 : 0, preview: null, revision: 0, ...over,
});
const invite = { callId: "c2", from: "lin", nick: lang === "zh" ? "林晓" : "Lin Xiao", callType: 2 as const };
const states: Record<string, AppState> = {
  signin: appState("signed_out"),
  calling: appState("calling", { call: call(2, false) }),
  call: appState("in_call", { call: call(2, true) }),
  audio: appState("in_call", { call: call(1, true) }),
  ringing: appState("ringing", { invite }),
  popup: appState("ringing", { invite }),
  waiting: appState("in_call", { call: call(2, true), waiting: invite }),
};
const state = states[scene] ?? appState("idle");

const settings: Settings = {
  camera: null, microphone: null, speaker: null, beauty: 5, whiteness: 3, resolution: "720p",
  maxBitrateKbps: 1500, callTimeoutS: 45, locale: lang, theme: params.get("theme") === "dark" ? "dark" : "light",
  debug: params.get("debug") === "1", startAtLogin: false, icePolicy: "all", miniWindow: true,
};
const record = (status: 1 | 2 | 3 | 4 | 5, incoming: boolean, peer: string, agoMin: number, type: 1 | 2): HistoryRecord => ({
  call_id: `${peer}-${agoMin}`, from: incoming ? peer : "me", to: incoming ? "me" : peer, call_type: type, status,
  reason: "", started_at_ms: now - agoMin * 60_000, ended_at_ms: now - agoMin * 60_000 + 300_000,
  duration_ms: status === 1 ? 283_000 + agoMin * 1000 : 0, peer, incoming,
});
const responses: Record<string, unknown> = {
  bootstrap: {
    version: "0.1.0", locale: lang,
    lastSignIn: { server: "", appKey: "duet-demo", account: "me", tlsCaFile: null, insecure: false },
    signInError: null,
    joinLink: null,
    callLink: scene === "link" ? { account: "lin", callType: 2 } : null,
    framesUrl: params.get("frames") ?? "ws://127.0.0.1:9/frames?secret=preview", videoPainter: "webgl", state,
  } satisfies Bootstrap,
  get_settings: settings,
  contacts,
  search: [{ account: "zhou", nick: "Zhou" }],
  history: [
    record(1, false, "lin", 12, 2), record(3, true, "maria", 75, 1), record(2, true, "chen", 190, 2),
    record(5, false, "olivia", 1500, 2), record(4, true, "lin", 2900, 1), record(2, false, "echo", 3000, 2),
  ],
  devices: {
    cameras: [{ id: "v0", name: "Integrated Camera (UVC)" }, { id: "v1", name: "Logitech C920" }],
    microphones: [{ id: "a0", name: "Built-in Microphone" }],
    speakers: [{ id: "s0", name: "Speakers (Built-in Audio)" }],
  },
  call: { callId: "c9" },
};

const handlers = new Map<string, ((p: unknown) => void)[]>();
let fullscreen = false;
const backend: Backend = {
  async invoke<T>(command: string, args?: Record<string, unknown>) {
    console.info("invoke", command, args);
    if (command === "set_settings") return (args as { settings: Settings }).settings as T;
    return (responses[command] ?? null) as T;
  },
  async listen<T>(event: string, handler: (p: T) => void) {
    handlers.set(event, [...(handlers.get(event) ?? []), handler as (p: unknown) => void]);
    return () => {};
  },
  windowLabel: () => (scene === "popup" ? "popup" : "main"),
  setFullscreen: async (on) => {
    fullscreen = on;
  },
  isFullscreen: async () => fullscreen,
  closeWindow: async () => {},
};
const emit = (event: string, payload: unknown) => handlers.get(event)?.forEach((h) => h(payload));

/** A moving colour-bar pattern in I420, generated once per size and shifted per frame. */
function pattern(width: number, height: number) {
  const y = new Uint8Array(width * height);
  const u = new Uint8Array((width / 2) * (height / 2));
  const v = new Uint8Array(u.length);
  const bars = [[235, 128, 128], [210, 16, 146], [170, 166, 16], [145, 54, 34], [106, 202, 222], [81, 90, 240], [41, 240, 110], [16, 128, 128]];
  return (seq: number) => {
    const shift = (seq * 8) % width;
    for (let row = 0; row < height; row++) {
      for (let col = 0; col < width; col++) {
        const bar = bars[Math.floor((((col + shift) % width) / width) * bars.length)];
        const ramp = row > height * 0.8 ? Math.round((col / width) * 219) + 16 : bar[0];
        y[row * width + col] = ramp;
      }
    }
    for (let row = 0; row < height / 2; row++) {
      for (let col = 0; col < width / 2; col++) {
        const bar = bars[Math.floor((((col * 2 + shift) % width) / width) * bars.length)];
        const grey = row * 2 > height * 0.8;
        u[row * (width / 2) + col] = grey ? 128 : bar[1];
        v[row * (width / 2) + col] = grey ? 128 : bar[2];
      }
    }
    return { y, u, v };
  };
}

async function main() {
  const mount = document.getElementById("app")!; // non-null: preview.html has it
  if (scene === "popup") {
    document.documentElement.style.cssText = "width:380px;height:240px";
    await startPopup(backend, mount);
    return;
  }
  const ctx = await startMainApp(backend, mount);
  if (scene === "history") document.querySelector<HTMLElement>('[data-testid="nav-history"]')?.click();
  if (scene === "settings") {
    document.querySelector<HTMLElement>('[data-testid="nav-settings"]')?.click();
    setInterval(() => emit("mic-level", { level: 0.35 + 0.3 * Math.abs(Math.sin(Date.now() / 300)) }), 100);
  }
  if ((scene === "call" || scene === "calling" || scene === "waiting" || scene === "settings") && !params.has("frames")) {
    const remote = pattern(1280, 720);
    const local = pattern(640, 360);
    let seq = 0;
    setInterval(() => {
      seq += 1;
      const stamp = performance.timeOrigin + performance.now();
      const streams: [number, number, number, ReturnType<typeof remote>][] =
        scene === "settings" ? [[2, 640, 360, local(seq)], [1, 640, 360, local(seq + 40)]] : [[0, 1280, 720, remote(seq)], [1, 640, 360, local(seq + 40)]];
      for (const [stream, w, hgt, planes] of streams) {
        const parsed = parseFrame(encodeFrame(stream, w, hgt, seq, stamp, planes));
        if (parsed.ok) ctx.frames.push(parsed.frame);
      }
    }, 1000 / 30);
    const stats: CallStats = { rttMs: 38, lossPct: 0.4, jitterMs: 4, sendKbps: 1480, recvKbps: 1392, fps: 30, width: 1280, height: 720, quality: "excellent", speaking: false, reconnecting: false, videoPausedByNetwork: false };
    setInterval(() => emit("stats", stats), 1000);
    emit("stats", stats);
  }
}

main();

// ?probe=1: after 2 s, write layout facts into the page so `chromium --dump-dom` can read them.
if (params.get("probe") === "1") {
  setTimeout(() => {
    const c = document.querySelector<HTMLCanvasElement>('[data-testid="remote-video"]');
    const d = window.duetDebug;
    const pre = document.createElement("pre");
    pre.id = "probe";
    pre.textContent = JSON.stringify({
      inner: [innerWidth, innerHeight, devicePixelRatio],
      canvas: c ? [c.width, c.height, c.clientWidth, c.clientHeight] : null,
      painted: d?.framesPainted, dropped: d?.framesDropped, bad: d?.badFrames,
      latency: d?.paintLatencyMs.slice(-5), sample: d?.sampleRemote().slice(0, 8),
    });
    document.body.append(pre);
  }, 2000);
}

// ?bare=1: only the remote canvas on the call screen (to tell painting cost from compositing cost);
// ?bare=3: everything but the local preview (to tell what painting a second video costs).
const bareStyles: Record<string, string> = {
  "1": ".call-top, .call-controls, .local-video, .stats-overlay { display: none !important; }",
  "2": ".call-top, .call-controls { background: none !important; } * { backdrop-filter: none !important; }",
  "3": ".local-video { display: none !important; }",
};
const bare = bareStyles[params.get("bare") ?? ""];
if (bare) {
  const style = document.createElement("style");
  style.textContent = bare;
  document.head.append(style);
}

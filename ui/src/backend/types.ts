// The shapes of docs/app-interface.md, the contract between this page and src-tauri.

export type CallType = 1 | 2;
export const AUDIO: CallType = 1;
export const VIDEO: CallType = 2;

export type Locale = "zh" | "en";
export type Presence = "online" | "in_call" | "offline";

/** How the signaling connection is protected; "plain" (ws:// across a network) is shown as not secure. */
export type Transport = "tls" | "loopback" | "plain";

export type SignedIn = { account: string; nick: string; server: string; embedded: boolean; transport: Transport };

/** What the sign-in form remembers (never the token). */
export type LastSignIn = {
  server: string;
  appKey: string;
  account: string;
  /** The app's copy of the extra CA certificate chosen for this server, or null. */
  tlsCaFile: string | null;
  /** "Insecure, for testing": plain ws:// to another machine is allowed. */
  insecure: boolean;
};

export type Bootstrap = {
  version: string;
  locale: Locale;
  signedIn: SignedIn | null;
  lastSignIn: LastSignIn | null;
  /** Why the backend's own sign-in at start failed (until a sign-in succeeds), or null. */
  signInError: CommandError | null;
  framesUrl: string;
  state: AppState;
};

export type Contact = { account: string; nick: string; presence: Presence };
export type SearchHit = { account: string; nick: string };

export type HistoryStatus = 1 | 2 | 3 | 4 | 5;
export type HistoryRecord = {
  call_id: string;
  from: string;
  to: string;
  call_type: CallType;
  status: HistoryStatus;
  reason: string;
  started_at_ms: number;
  answered_at_ms?: number;
  ended_at_ms: number;
  duration_ms: number;
  peer: string;
  incoming: boolean;
};

export type Device = { id: string; name: string };
export type Devices = { cameras: Device[]; microphones: Device[]; speakers: Device[] };

export type Resolution = "360p" | "480p" | "720p" | "1080p";
export const RESOLUTIONS: Resolution[] = ["360p", "480p", "720p", "1080p"];

export type IcePolicy = "all" | "relay";
export const ICE_POLICIES: IcePolicy[] = ["all", "relay"];

export type Settings = {
  camera: string | null;
  microphone: string | null;
  speaker: string | null;
  beauty: number;
  whiteness: number;
  resolution: Resolution;
  maxBitrateKbps: number;
  callTimeoutS: number;
  locale: "auto" | Locale;
  debug: boolean;
  /** Advanced: "relay" lets calls use only the TURN relay, so the peer never learns this device's IP. */
  icePolicy: IcePolicy;
};

export type Status = "signed_out" | "idle" | "calling" | "ringing" | "in_call";

export type CallInfo = {
  callId: string;
  peer: string;
  peerNick: string;
  callType: CallType;
  outgoing: boolean;
  answeredAtMs: number | null;
  muted: boolean;
  cameraOn: boolean;
  remoteAudio: boolean;
  remoteVideo: boolean;
  switchRequest: CallType | null;
};

export type Invite = { callId: string; from: string; nick: string; callType: CallType };

export type AppState = {
  status: Status;
  call: CallInfo | null;
  invite: Invite | null;
  connection: "connected" | "reconnecting";
  /** One higher for every state the backend publishes: events and the bootstrap reply can cross. */
  revision: number;
};

export type Quality = "excellent" | "good" | "poor" | "bad" | "unknown";

export type CallStats = {
  rttMs: number | null;
  lossPct: number;
  jitterMs: number;
  sendKbps: number;
  recvKbps: number;
  fps: number;
  width: number;
  height: number;
  quality: Quality;
};

export type CallEvent = { event: string; [field: string]: unknown };
export type PresenceChange = { account: string; presence: Presence };
export type MicLevel = { level: number };

/** The certificate problems the backend tells apart (`tls_untrusted`'s `reasonKind`). */
export type TlsReasonKind = "unknown_issuer" | "wrong_name" | "expired" | "not_yet_valid" | "revoked" | "other";

/**
 * A failed command rejects with this. `insecure_server` adds `host`; `tls_untrusted` adds `host`,
 * `reason` (the SDK's English sentence) and `reasonKind`.
 */
export type CommandError = {
  code: string;
  message: string;
  host?: string;
  reason?: string;
  reasonKind?: TlsReasonKind;
};

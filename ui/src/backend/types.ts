// The shapes of docs/app-interface.md, the contract between this page and src-tauri.

export type CallType = 1 | 2;
export const AUDIO: CallType = 1;
export const VIDEO: CallType = 2;

export type Locale = "zh" | "en";
export type Presence = "online" | "in_call" | "offline";

export type SignedIn = { account: string; nick: string; server: string; embedded: boolean };

export type Bootstrap = {
  version: string;
  locale: Locale;
  signedIn: SignedIn | null;
  lastSignIn: { server: string; appKey: string; account: string } | null;
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

/** A failed command rejects with this. */
export type CommandError = { code: string; message: string };

// The page's side of docs/app-interface.md. Every shape the backend sends or receives comes from
// contract.ts, generated from the Rust types (src-tauri/src/backend/contract.rs); this file adds
// the constants the page needs and the shapes that Rust keeps as loose JSON.
import type { CallType, IcePolicy, Resolution } from "./contract";

export type {
  AccountSignUp, JoinLink, PasswordSignIn, ServerChoice, ServerInfo,
  AppState, Bootstrap, CallInfo, CallStats, CallType, CommandError, Connection, Contact, Device, Devices,
  Invite, LastSignIn, Locale, MicLevel, Placed, Presence, Quality, Resolution, Settings, SignedIn, Status,
  TlsReasonKind, Transport, IcePolicy,
} from "./contract";

export const AUDIO: CallType = 1;
export const VIDEO: CallType = 2;

export const RESOLUTIONS: Resolution[] = ["360p", "480p", "720p", "1080p"];
export const ICE_POLICIES: IcePolicy[] = ["all", "relay"];

export type SearchHit = { account: string; nick: string };

/** A call record from this user's side: the protocol's record (snake_case) plus `peer` and `incoming`. */
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

/** An SDK event as the backend forwards it (`call-event`): nertc-call's name in `event`. */
export type CallEvent = { event: string; [field: string]: unknown };

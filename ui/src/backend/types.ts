// The page's side of docs/app-interface.md. Every shape the backend sends or receives comes from
// contract.ts, generated from the Rust types (src-tauri/src/backend/contract.rs); this file adds
// the constants the page needs and the one shape that Rust keeps as loose JSON.
import type { CallType, IcePolicy, Resolution, Theme } from "./contract";

export type {
  AccountSignUp, JoinLink, PasswordSignIn, ServerChoice, ServerInfo,
  BadLink, BadLinkProblem, CallLink,
  AppState, Bootstrap, CallInfo, CallStats, CallType, CommandError, Connection, ErrorCode, Contact, ContactState, Device, Devices,
  DeviceState, LocalDevices, PickableKind,
  HistoryRecord, HistoryStatus, Invite, LastSignIn, Locale, MicLevel, Placed, Presence, Quality, Resolution,
  SearchHit, Settings, SignedIn, Status, Theme, TlsReasonKind, Transport, IcePolicy,
} from "./contract";

export const AUDIO: CallType = 1;
export const VIDEO: CallType = 2;

export const RESOLUTIONS: Resolution[] = ["360p", "480p", "720p", "1080p"];
export const ICE_POLICIES: IcePolicy[] = ["all", "relay"];
export const THEMES: Theme[] = ["system", "light", "dark"];

/** An SDK event as the backend forwards it (`call-event`): nertc-call's name in `event`. */
export type CallEvent = { event: string; [field: string]: unknown };

// Generated from the Rust types by `cargo test -p duet-app contract` (src-tauri/src/backend/contract.rs).
// Do not edit: change the Rust type, then run that test with DUET_UPDATE_CONTRACT=1.

/** 1 audio, 2 video (nertc-call's call types). */
export type CallType = 1 | 2;
/** A call record's status (nertc-call's): 1 completed, 2 canceled, 3 rejected, 4 unanswered, 5 busy. */
export type HistoryStatus = 1 | 2 | 3 | 4 | 5;
export type Presence = "online" | "in_call" | "offline";
/** A contact-list entry's state: a contact, a request this account sent, one it received, or a block. */
export type ContactState = "accepted" | "outgoing" | "incoming" | "blocked";
export type Locale = "zh" | "en";
export type Quality = "excellent" | "good" | "poor" | "bad" | "unknown";
/** The certificate problems the backend tells apart (`tls_untrusted`'s `reasonKind`). */
export type TlsReasonKind = "unknown_issuer" | "wrong_name" | "expired" | "not_yet_valid" | "revoked" | "other";
/**
 * A failed command rejects with this (src-tauri/src/error.rs). `insecure_server` adds `host`;
 * `tls_untrusted` adds `host`, `reason` (the SDK's English sentence) and `reasonKind`;
 * `server_refused` adds `serverCode`, the protocol's error code (`weak_password`, `bad_invite`, ...).
 */
export type CommandError = { code: ErrorCode; message: string; host?: string; reason?: string; reasonKind?: TlsReasonKind; serverCode?: string };

/** The frames socket's header (docs/app-interface.md, Frames): "DUF1" read as a little-endian u32. */
export const FRAME_MAGIC = 0x31465544;
export const HEADER_BYTES = 24;
export const STREAM_REMOTE = 0;
export const STREAM_LOCAL = 1;
export const STREAM_LOCAL_RAW = 2;
export const STREAM_REMOTE_SCREEN = 3;

/** A failed command's `code` (src-tauri/src/error.rs, ERROR_CODES). */
export type ErrorCode = "not_signed_in" | "no_invite" | "invalid" | "insecure_server" | "tls_untrusted" | "server_refused" | "cannot_connect" | "connection_lost" | "wrong_state" | "safe_mode_mismatch" | "timeout" | "unexpected_answer" | "embedded_server" | "io" | "media" | "desktop" | "autostart";
export const ERROR_CODES: readonly ErrorCode[] = ["not_signed_in", "no_invite", "invalid", "insecure_server", "tls_untrusted", "server_refused", "cannot_connect", "connection_lost", "wrong_state", "safe_mode_mismatch", "timeout", "unexpected_answer", "embedded_server", "io", "media", "desktop", "autostart"];

export type AppState = { 
/**
 * Top-level status.
 */
status: Status, 
/**
 * The current call, if any.
 */
call: CallInfo | null, 
/**
 * The first ringing invite, shown in the popup (only while this user is in no call).
 */
invite: Invite | null, 
/**
 * Call waiting: the first invite ringing while this user is in a call (or calling out),
 * shown as a banner in the call screen with "End and answer" and "Decline".
 */
waiting: Invite | null, 
/**
 * Signaling connectivity.
 */
connection: Connection, 
/**
 * The signed-in account, or `None` when signed out.
 */
signedIn: SignedIn | null, 
/**
 * This account's contacts with presence, as last heard from the server.
 */
contacts: Array<Contact>, 
/**
 * Incoming calls missed since the user last opened the history (the History tab's badge).
 */
missedCalls: number, 
/**
 * The settings preview's camera and microphone while it runs; `None` when it is off.
 */
preview: LocalDevices | null, 
/**
 * One higher for every state the backend publishes (0 until it publishes one); the page
 * drops a state older than the one it shows, as events and replies can cross.
 */
revision: number, };

export type Status = "signed_out" | "idle" | "calling" | "ringing" | "in_call";

export type Connection = "connected" | "reconnecting";

export type CallInfo = { 
/**
 * The call.
 */
callId: string, 
/**
 * The other account.
 */
peer: string, 
/**
 * Its nickname, or the account when unknown.
 */
peerNick: string, 
/**
 * 1 audio, 2 video.
 */
callType: CallType, 
/**
 * This user placed it.
 */
outgoing: boolean, 
/**
 * Wall-clock milliseconds of the answer, for the duration counter.
 */
answeredAtMs: number | null, 
/**
 * This user's microphone is off.
 */
muted: boolean, 
/**
 * This user's camera is on.
 */
cameraOn: boolean, 
/**
 * The peer's microphone is on.
 */
remoteAudio: boolean, 
/**
 * The peer's camera is on.
 */
remoteVideo: boolean, 
/**
 * The peer's camera is on but its video is paused because the network cannot carry it
 * (VIDEO_AVAILABLE false, reason `network`): the call screen says "Poor network, video
 * paused" instead of "Camera is off".
 */
remoteVideoPaused: boolean, 
/**
 * The peer asks to switch to this type.
 */
switchRequest: CallType | null, 
/**
 * Whether this device's camera and microphone work in this call (from `MEDIA_FAILED`).
 */
devices: LocalDevices, 
/**
 * This user shares a screen or window (from `SCREEN_SHARE_STARTED` / `_STOPPED`).
 */
sharing: boolean, 
/**
 * The peer shares one: its picture comes on the remote-screen frames stream.
 */
remoteSharing: boolean, };

export type LocalDevices = { 
/**
 * The camera (only opened in video calls).
 */
camera: DeviceState, 
/**
 * The microphone.
 */
microphone: DeviceState, };

export type DeviceState = "ok" | "not_found" | "busy" | "failed";

export type PickableKind = "camera" | "microphone";

export type Invite = { 
/**
 * The call.
 */
callId: string, 
/**
 * The caller's account.
 */
from: string, 
/**
 * The caller's nickname, or the account.
 */
nick: string, 
/**
 * As the caller placed it.
 */
callType: CallType, };

export type SignedIn = { 
/**
 * The account.
 */
account: string, 
/**
 * Its nickname from the server.
 */
nick: string, 
/**
 * The server URL.
 */
server: string, 
/**
 * Whether that is the app's own embedded server.
 */
embedded: boolean, 
/**
 * How the signaling connection is protected; `plain` is shown as not secure.
 */
transport: Transport, };

export type Transport = "tls" | "loopback" | "plain";

export type Contact = { 
/**
 * The account.
 */
account: string, 
/**
 * Its nickname, or empty.
 */
nick: string, 
/**
 * Online, in a call, or offline (always offline unless `state` is `accepted`).
 */
presence: Presence, 
/**
 * A contact, a request either way, or a blocked account.
 */
state: ContactState, };

export type Bootstrap = { 
/**
 * The app's version.
 */
version: string, 
/**
 * `zh` or `en`.
 */
locale: Locale, 
/**
 * What the sign-in form pre-fills.
 */
lastSignIn: LastSignIn | null, 
/**
 * Why signing in by itself at start failed (`{ code, message, ... }` as a command's error),
 * until a sign-in succeeds: the form says it, as it would for its own attempt.
 */
signInError: CommandError | null, 
/**
 * A `duet://join` link not acted on yet: the page opens the sign-up form with it.
 */
joinLink: JoinLink | null, 
/**
 * A `duet://call` link the user has not answered yet: the page asks before calling.
 */
callLink: CallLink | null, 
/**
 * The frame WebSocket with its secret.
 */
framesUrl: string, 
/**
 * How the page paints video (src-tauri/src/frames/painter.rs).
 */
videoPainter: VideoPainter, 
/**
 * The current state (with the signed-in account and contacts).
 */
state: AppState, };

export type VideoPainter = "webgl" | "canvas2d";

export type JoinLink = { 
/**
 * The server address as the link wrote it.
 */
server: string, 
/**
 * The invite code, if the link has one.
 */
code: string | null, };

export type CallLink = { 
/**
 * Whom the link would call.
 */
account: string, 
/**
 * The type the link suggests (`?type=`, video when it says none); the panel offers both.
 */
callType: CallType, };

export type BadLink = { 
/**
 * What is wrong.
 */
problem: BadLinkProblem, 
/**
 * The link as it came, cut to its first 120 characters (with "…" when cut).
 */
link: string, };

export type BadLinkProblem = "wrong_scheme" | "unknown" | "bad_account" | "no_server" | "bad_type";

export type ServerChoice = { 
/**
 * As the user wrote it: `duet.example.com`, `host:port`, or a full `wss://` URL.
 */
server: string, 
/**
 * The app; empty or absent: the server's default app.
 */
appKey?: string, 
/**
 * An extra CA (PEM, from `importCa`) trusted for the server's certificate.
 */
tlsCaFile?: string, 
/**
 * Plain `ws://` to a host off this machine is allowed ("Insecure, for testing").
 */
insecure: boolean, };

export type ServerInfo = { 
/**
 * The WebSocket URL the address stands for.
 */
serverUrl: string, 
/**
 * The app (the server's default when the form named none).
 */
appKey: string, 
/**
 * `open`, `invite` (the form shows the invite code field) or `closed`.
 */
registration: "open" | "invite" | "closed", 
/**
 * The shortest password the server accepts.
 */
minPasswordChars: number, };

export type PasswordSignIn = { 
/**
 * The account.
 */
account: string, 
/**
 * Its password (sent to the server once, never stored).
 */
password: string, 
/**
 * As the user wrote it: `duet.example.com`, `host:port`, or a full `wss://` URL.
 */
server: string, 
/**
 * The app; empty or absent: the server's default app.
 */
appKey?: string, 
/**
 * An extra CA (PEM, from `importCa`) trusted for the server's certificate.
 */
tlsCaFile?: string, 
/**
 * Plain `ws://` to a host off this machine is allowed ("Insecure, for testing").
 */
insecure: boolean, };

export type AccountSignUp = { 
/**
 * The new account's name.
 */
account: string, 
/**
 * Display name; empty: the account.
 */
nick: string, 
/**
 * The password (sent to the server once, never stored).
 */
password: string, 
/**
 * The invite code, when the server asks for one.
 */
code?: string, 
/**
 * As the user wrote it: `duet.example.com`, `host:port`, or a full `wss://` URL.
 */
server: string, 
/**
 * The app; empty or absent: the server's default app.
 */
appKey?: string, 
/**
 * An extra CA (PEM, from `importCa`) trusted for the server's certificate.
 */
tlsCaFile?: string, 
/**
 * Plain `ws://` to a host off this machine is allowed ("Insecure, for testing").
 */
insecure: boolean, };

export type LastSignIn = { 
/**
 * `wss://host:port/ws` (or `ws://` on loopback, or with `insecure`).
 */
server: string, 
/**
 * The app the account belongs to.
 */
appKey: string, 
/**
 * The account.
 */
account: string, 
/**
 * An extra CA (PEM) trusted for this server's certificate, on top of the system's roots.
 */
tlsCaFile: string | null, 
/**
 * The user allowed plain `ws://` to a host off this machine ("Insecure, for testing").
 */
insecure: boolean, };

export type Settings = { 
/**
 * Camera id from `devices`; `None` is the first camera.
 */
camera: string | null, 
/**
 * Microphone name; `None` is the default input.
 */
microphone: string | null, 
/**
 * Speaker name; `None` is the default output.
 */
speaker: string | null, 
/**
 * Beauty (smoothing) level 0..=9.
 */
beauty: number, 
/**
 * Whitening level 0..=9.
 */
whiteness: number, 
/**
 * Capture and send resolution.
 */
resolution: Resolution, 
/**
 * Highest video bitrate in kbps.
 */
maxBitrateKbps: number, 
/**
 * How long an outgoing call rings, in seconds.
 */
callTimeoutS: number, 
/**
 * Page language.
 */
locale: LocaleChoice, 
/**
 * Light or dark.
 */
theme: Theme, 
/**
 * Statistics overlay on the call screen.
 */
debug: boolean, 
/**
 * Start the app when the user logs in to the desktop (the desktop's autostart entry, written
 * or removed on save by `backend::autostart`); off unless the user turns it on.
 */
startAtLogin: boolean, 
/**
 * ICE candidates calls may use (from the next call).
 */
icePolicy: IcePolicy, 
/**
 * During a call, a small always-on-top window with the call while the main window is in the
 * background (shell/mini_window.rs); on unless the user turns it off.
 */
miniWindow: boolean, };

export type Resolution = "360p" | "480p" | "720p" | "1080p";

export type LocaleChoice = "auto" | "zh" | "en";

export type Theme = "system" | "light" | "dark";

export type IcePolicy = "all" | "relay";

export type Devices = { 
/**
 * Video inputs.
 */
cameras: Array<Device>, 
/**
 * Audio inputs.
 */
microphones: Array<Device>, 
/**
 * Audio outputs.
 */
speakers: Array<Device>, };

export type Device = { 
/**
 * What settings store to pick it.
 */
id: string, 
/**
 * What the user reads.
 */
name: string, };

export type Placed = { 
/**
 * Its id.
 */
callId: string, };

export type SearchHit = { 
/**
 * The account.
 */
account: string, 
/**
 * Its nickname.
 */
nick: string, };

export type ShareTarget = { 
/**
 * What `share_thumbnail` and `start_screen_share` take.
 */
id: string, 
/**
 * `screen`, `window`, or `portal` (Wayland: the desktop's own dialog picks either).
 */
kind: "screen" | "window" | "portal", 
/**
 * The window's title (the page names a screen itself).
 */
title: string, 
/**
 * Its size in pixels now.
 */
width: number, 
/**
 * Its height in pixels now.
 */
height: number, };

export type Thumbnail = { 
/**
 * Its width in pixels.
 */
width: number, 
/**
 * Its height in pixels.
 */
height: number, 
/**
 * Its pixels, R, G, B, A (255) row by row, base64 (RFC 4648, padded).
 */
rgba: string, };

export type HistoryRecord = { 
/**
 * The call.
 */
call_id: string, 
/**
 * The caller's account.
 */
from: string, 
/**
 * The callee's account.
 */
to: string, 
/**
 * 1 audio, 2 video.
 */
call_type: CallType, 
/**
 * 1 completed, 2 canceled, 3 rejected, 4 unanswered, 5 busy.
 */
status: HistoryStatus, 
/**
 * Why it ended (snake_case).
 */
reason: string, 
/**
 * When it was placed, milliseconds since the Unix epoch.
 */
started_at_ms: number, 
/**
 * When the callee answered, if it did.
 */
answered_at_ms?: number, 
/**
 * When it ended.
 */
ended_at_ms: number, 
/**
 * Talk time: from answer to end; 0 for calls never answered.
 */
duration_ms: number, 
/**
 * The other party's account, from this user's side.
 */
peer: string, 
/**
 * This user was the callee.
 */
incoming: boolean, };

export type CallStats = { 
/**
 * Round-trip time, once measured.
 */
rttMs: number | null, 
/**
 * Loss of the worse direction, 0..=100.
 */
lossPct: number, 
/**
 * Receive jitter.
 */
jitterMs: number, 
/**
 * Sending rate.
 */
sendKbps: number, 
/**
 * Receiving rate.
 */
recvKbps: number, 
/**
 * Frames decoded per second.
 */
fps: number, 
/**
 * The received video's width.
 */
width: number, 
/**
 * The received video's height.
 */
height: number, 
/**
 * The grade of the path.
 */
quality: Quality, 
/**
 * The microphone heard speech during the second (measured while muted too): with the
 * microphone muted, the call screen says "You are muted".
 */
speaking: boolean, 
/**
 * The media path was lost and is being mended (ICE restart): the call screen says
 * "Reconnecting…" instead of the grade.
 */
reconnecting: boolean, 
/**
 * This user's camera is paused because the network cannot carry its video: the call
 * screen says "Poor network, your video is paused" over the local picture.
 */
videoPausedByNetwork: boolean, };

export type MicLevel = { 
/**
 * Peak over the last 100 ms, 0..=1.
 */
level: number, };

export type SignInArgs = { 
/**
 * `wss://…` or `ws://…`; empty or `embedded` for the embedded server.
 */
server: string, 
/**
 * The app the account belongs to.
 */
appKey: string, 
/**
 * The account.
 */
account: string, 
/**
 * Its login token.
 */
token: string, 
/**
 * A path from `importCa` (or the remembered one), or null for the system's roots only.
 * May be left out (a page from before it): no CA.
 */
tlsCaFile: string | null, 
/**
 * The user allows plain `ws://` to a host off this machine. May be left out: not allowed.
 */
insecure: boolean, };

export type ServerInfoArgs = { 
/**
 * The server as the user wrote it.
 */
form: ServerChoice, };

export type SignInPasswordArgs = { 
/**
 * The sign-in form.
 */
form: PasswordSignIn, };

export type CreateAccountArgs = { 
/**
 * The sign-up form.
 */
form: AccountSignUp, };

export type ImportCaArgs = { 
/**
 * Its name.
 */
fileName: string, 
/**
 * Its text.
 */
pem: string, };

export type SearchArgs = { 
/**
 * Part of an account or nickname.
 */
query: string, };

export type ContactArgs = { 
/**
 * The other account.
 */
account: string, };

export type CallArgs = { 
/**
 * The account to call.
 */
account: string, 
/**
 * 1 audio, 2 video.
 */
callType: CallType, };

export type AcceptArgs = { 
/**
 * 1 audio, 2 video.
 */
callType: CallType, };

export type WaitingArgs = { 
/**
 * The call that rings during this user's call.
 */
callId: string, };

export type SetMutedArgs = { 
/**
 * Off.
 */
muted: boolean, };

export type SetCameraArgs = { 
/**
 * On.
 */
enabled: boolean, };

export type SelectDeviceArgs = { 
/**
 * `camera` or `microphone`.
 */
kind: PickableKind, 
/**
 * The device's id as `devices` lists it.
 */
id: string, };

export type SwitchCallTypeArgs = { 
/**
 * 1 audio, 2 video.
 */
callType: CallType, };

export type AnswerSwitchArgs = { 
/**
 * Switch (true) or stay.
 */
accept: boolean, };

export type ShareThumbnailArgs = { 
/**
 * A `ShareTarget.id` from `share_targets`.
 */
id: string, 
/**
 * The largest width and height the page shows it at (1..=640 each, device pixels).
 */
maxWidth: number, 
/**
 * See `max_width`.
 */
maxHeight: number, };

export type StartScreenShareArgs = { 
/**
 * A `ShareTarget.id` from `share_targets`.
 */
target: string, };

export type SetSettingsArgs = { 
/**
 * All of them.
 */
settings: Settings, };

export type SetPreviewArgs = { 
/**
 * On.
 */
on: boolean, };

/** Each command's arguments, the object `invoke(name, args)` takes (null: none), from src-tauri/src/shell/command_list.rs. */
export type CommandArgs = {
  bootstrap: null;
  sign_in: SignInArgs;
  server_info: ServerInfoArgs;
  sign_in_password: SignInPasswordArgs;
  create_account: CreateAccountArgs;
  import_ca: ImportCaArgs;
  sign_out: null;
  contacts: null;
  search: SearchArgs;
  add_contact: ContactArgs;
  accept_contact: ContactArgs;
  ignore_contact: ContactArgs;
  remove_contact: ContactArgs;
  block_contact: ContactArgs;
  unblock_contact: ContactArgs;
  call: CallArgs;
  accept: AcceptArgs;
  reject: null;
  end_and_answer: WaitingArgs;
  decline_waiting: WaitingArgs;
  cancel: null;
  hangup: null;
  set_muted: SetMutedArgs;
  set_camera: SetCameraArgs;
  select_device: SelectDeviceArgs;
  switch_call_type: SwitchCallTypeArgs;
  answer_switch: AnswerSwitchArgs;
  share_targets: null;
  share_thumbnail: ShareThumbnailArgs;
  start_screen_share: StartScreenShareArgs;
  stop_screen_share: null;
  history: null;
  get_settings: null;
  set_settings: SetSettingsArgs;
  devices: null;
  set_preview: SetPreviewArgs;
  dismiss_call_link: null;
  copy_diagnostics: null;
};

/** What each command resolves with. */
export type CommandResults = {
  bootstrap: Bootstrap;
  sign_in: SignedIn;
  server_info: ServerInfo;
  sign_in_password: SignedIn;
  create_account: SignedIn;
  import_ca: string;
  sign_out: null;
  contacts: Array<Contact>;
  search: Array<SearchHit>;
  add_contact: null;
  accept_contact: null;
  ignore_contact: null;
  remove_contact: null;
  block_contact: null;
  unblock_contact: null;
  call: Placed;
  accept: null;
  reject: null;
  end_and_answer: null;
  decline_waiting: null;
  cancel: null;
  hangup: null;
  set_muted: null;
  set_camera: null;
  select_device: null;
  switch_call_type: null;
  answer_switch: null;
  share_targets: Array<ShareTarget>;
  share_thumbnail: Thumbnail;
  start_screen_share: null;
  stop_screen_share: null;
  history: Array<HistoryRecord>;
  get_settings: Settings;
  set_settings: Settings;
  devices: Devices;
  set_preview: null;
  dismiss_call_link: null;
  copy_diagnostics: null;
};

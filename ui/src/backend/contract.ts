// Generated from the Rust types by `cargo test -p duet-app contract` (src-tauri/src/backend/contract.rs).
// Do not edit: change the Rust type, then run that test with DUET_UPDATE_CONTRACT=1.

/** 1 audio, 2 video (nertc-call's call types). */
export type CallType = 1 | 2;
export type Presence = "online" | "in_call" | "offline";
export type Locale = "zh" | "en";
export type Quality = "excellent" | "good" | "poor" | "bad" | "unknown";
/** The certificate problems the backend tells apart (`tls_untrusted`'s `reasonKind`). */
export type TlsReasonKind = "unknown_issuer" | "wrong_name" | "expired" | "not_yet_valid" | "revoked" | "other";
/**
 * A failed command rejects with this (src-tauri/src/error.rs). `insecure_server` adds `host`;
 * `tls_untrusted` adds `host`, `reason` (the SDK's English sentence) and `reasonKind`;
 * `server_refused` adds `serverCode`, the protocol's error code (`weak_password`, `bad_invite`, ...).
 */
export type CommandError = { code: string; message: string; host?: string; reason?: string; reasonKind?: TlsReasonKind; serverCode?: string };

/** The frames socket's header (docs/app-interface.md, Frames): "DUF1" read as a little-endian u32. */
export const FRAME_MAGIC = 0x31465544;
export const HEADER_BYTES = 24;
export const STREAM_REMOTE = 0;
export const STREAM_LOCAL = 1;
export const STREAM_LOCAL_RAW = 2;

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
 * The first ringing invite, shown in the popup.
 */
invite: Invite | null, 
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
 * The peer asks to switch to this type.
 */
switchRequest: CallType | null, };

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
 * Online, in a call, or offline.
 */
presence: Presence, };

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
 * The frame WebSocket with its secret.
 */
framesUrl: string, 
/**
 * The current state (with the signed-in account and contacts).
 */
state: AppState, };

export type JoinLink = { 
/**
 * The server address as the link wrote it.
 */
server: string, 
/**
 * The invite code, if the link has one.
 */
code: string | null, };

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
 * Statistics overlay on the call screen.
 */
debug: boolean, 
/**
 * ICE candidates calls may use (from the next call).
 */
icePolicy: IcePolicy, };

export type Resolution = "360p" | "480p" | "720p" | "1080p";

export type LocaleChoice = "auto" | "zh" | "en";

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

export type Placed = { callId: string, };

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
quality: Quality, };

export type MicLevel = { 
/**
 * Peak over the last 100 ms, 0..=1.
 */
level: number, };

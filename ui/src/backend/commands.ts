// Typed wrappers for every command of docs/app-interface.md; argument keys are camelCase there.
import type { Backend } from "./backend";
import type {
  AccountSignUp, Bootstrap, CallType, Contact, Devices, HistoryRecord, PasswordSignIn, SearchHit, ServerChoice,
  ServerInfo, Settings, SignedIn,
} from "./types";

export type SignInForm = {
  server: string;
  appKey: string;
  account: string;
  token: string;
  /** A path from `importCa` (or the remembered one), or null for the system's roots only. */
  tlsCaFile: string | null;
  insecure: boolean;
};

export class Commands {
  constructor(private readonly backend: Backend) {}

  bootstrap = () => this.backend.invoke<Bootstrap>("bootstrap");
  signIn = (form: SignInForm) => this.backend.invoke<SignedIn>("sign_in", { ...form });
  /** What the server at a written address allows: its registration policy, for the sign-up form. */
  serverInfo = (form: ServerChoice) => this.backend.invoke<ServerInfo>("server_info", { form });
  /** Trades the password for a token (kept in the keyring), then signs in. */
  signInPassword = (form: PasswordSignIn) => this.backend.invoke<SignedIn>("sign_in_password", { form });
  /** Creates the account on the server, then signs in with it. */
  createAccount = (form: AccountSignUp) => this.backend.invoke<SignedIn>("create_account", { form });
  /** Hands the backend a chosen CA file's text; it keeps a copy and returns the copy's path. */
  importCa = (fileName: string, pem: string) => this.backend.invoke<string>("import_ca", { fileName, pem });
  signOut = () => this.backend.invoke<null>("sign_out");
  contacts = () => this.backend.invoke<Contact[]>("contacts");
  search = (query: string) => this.backend.invoke<SearchHit[]>("search", { query });
  addContact = (account: string) => this.backend.invoke<null>("add_contact", { account });
  call = (account: string, callType: CallType) =>
    this.backend.invoke<{ callId: string }>("call", { account, callType });
  accept = (callType: CallType) => this.backend.invoke<null>("accept", { callType });
  reject = () => this.backend.invoke<null>("reject");
  cancel = () => this.backend.invoke<null>("cancel");
  hangup = () => this.backend.invoke<null>("hangup");
  setMuted = (muted: boolean) => this.backend.invoke<null>("set_muted", { muted });
  setCamera = (enabled: boolean) => this.backend.invoke<null>("set_camera", { enabled });
  switchCallType = (callType: CallType) => this.backend.invoke<null>("switch_call_type", { callType });
  answerSwitch = (accept: boolean) => this.backend.invoke<null>("answer_switch", { accept });
  history = () => this.backend.invoke<HistoryRecord[]>("history");
  getSettings = () => this.backend.invoke<Settings>("get_settings");
  setSettings = (settings: Settings) => this.backend.invoke<Settings>("set_settings", { settings });
  devices = () => this.backend.invoke<Devices>("devices");
  setPreview = (on: boolean) => this.backend.invoke<null>("set_preview", { on });
  showMain = () => this.backend.invoke<null>("show_main");
}

/** The text to show or log for a rejected command: `{code, message}` by contract, anything else defensively. */
export function errorText(error: unknown): string {
  if (error && typeof error === "object" && "message" in error) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    return typeof code === "string" ? `${code}: ${String(message)}` : String(message);
  }
  return String(error);
}

// Typed wrappers for every command of docs/app-interface.md. Each command's arguments and result
// are generated from Rust into contract.ts (`CommandArgs`, `CommandResults`); argument keys are
// camelCase.
import type { Backend } from "./backend";
import type {
  AccountSignUp, CallType, CommandArgs, CommandResults, PasswordSignIn, PickableKind, ServerChoice, Settings,
} from "./contract";

export type Command = keyof CommandArgs;
/** What `command` takes after its name: nothing, or its argument object. */
type ArgsOf<C extends Command> = CommandArgs[C] extends null ? [] : [args: CommandArgs[C]];

export class Commands {
  constructor(private readonly backend: Backend) {}

  /** Invokes `command` with its arguments; resolves with its result. */
  private run<C extends Command>(command: C, ...args: ArgsOf<C>): Promise<CommandResults[C]> {
    // Every argument type in CommandArgs is an object type generated from a Rust struct.
    return this.backend.invoke<CommandResults[C]>(command, args[0] as Record<string, unknown> | undefined);
  }

  bootstrap = () => this.run("bootstrap");
  signIn = (form: CommandArgs["sign_in"]) => this.run("sign_in", form);
  /** What the server at a written address allows: its registration policy, for the sign-up form. */
  serverInfo = (form: ServerChoice) => this.run("server_info", { form });
  /** Trades the password for a token (kept in the keyring), then signs in. */
  signInPassword = (form: PasswordSignIn) => this.run("sign_in_password", { form });
  /** Creates the account on the server, then signs in with it. */
  createAccount = (form: AccountSignUp) => this.run("create_account", { form });
  /** Hands the backend a chosen CA file's text; it keeps a copy and returns the copy's path. */
  importCa = (fileName: string, pem: string) => this.run("import_ca", { fileName, pem });
  signOut = () => this.run("sign_out");
  contacts = () => this.run("contacts");
  search = (query: string) => this.run("search", { query });
  /** Asks `account` to be a contact (or accepts its request, if it asked first). */
  addContact = (account: string) => this.run("add_contact", { account });
  acceptContact = (account: string) => this.run("accept_contact", { account });
  /** Drops `account`'s request; it is not told. */
  ignoreContact = (account: string) => this.run("ignore_contact", { account });
  /** Ends the contact on both sides, or withdraws a request. */
  removeContact = (account: string) => this.run("remove_contact", { account });
  blockContact = (account: string) => this.run("block_contact", { account });
  unblockContact = (account: string) => this.run("unblock_contact", { account });
  call = (account: string, callType: CallType) => this.run("call", { account, callType });
  accept = (callType: CallType) => this.run("accept", { callType });
  reject = () => this.run("reject");
  /** Call waiting: ends the current call and answers the waiting call `callId`. */
  endAndAnswer = (callId: string) => this.run("end_and_answer", { callId });
  /** Call waiting: declines the waiting call `callId` (its caller hears busy); the call goes on. */
  declineWaiting = (callId: string) => this.run("decline_waiting", { callId });
  cancel = () => this.run("cancel");
  hangup = () => this.run("hangup");
  setMuted = (muted: boolean) => this.run("set_muted", { muted });
  setCamera = (enabled: boolean) => this.run("set_camera", { enabled });
  /** Uses this camera or microphone (an id from `devices`) from now on: live in a call, saved for the next. */
  selectDevice = (kind: PickableKind, id: string) => this.run("select_device", { kind, id });
  switchCallType = (callType: CallType) => this.run("switch_call_type", { callType });
  answerSwitch = (accept: boolean) => this.run("answer_switch", { accept });
  /** The screens and windows that can be shared now, the screen first. */
  shareTargets = () => this.run("share_targets");
  /** A data URL of one target's picture, at most maxWidth x maxHeight (the picker's cards). */
  shareThumbnail = (id: string, maxWidth: number, maxHeight: number) => this.run("share_thumbnail", { id, maxWidth, maxHeight });
  /** Shares `target` in the answered call, or switches the share to it. */
  startScreenShare = (target: string) => this.run("start_screen_share", { target });
  stopScreenShare = () => this.run("stop_screen_share");
  history = () => this.run("history");
  getSettings = () => this.run("get_settings");
  setSettings = (settings: Settings) => this.run("set_settings", { settings });
  devices = () => this.run("devices");
  setPreview = (on: boolean) => this.run("set_preview", { on });
  /** The user answered a duet://call link's confirm panel (called or cancelled). */
  dismissCallLink = () => this.run("dismiss_call_link");
  /** Puts the diagnostics report (no token or password in it) on the clipboard. */
  copyDiagnostics = () => this.run("copy_diagnostics");
}


// A Backend with mocked invoke/listen: it answers commands from a table, records every call, and
// lets a test emit events as the Rust side would.
import type { Backend } from "../src/backend/backend";
import type { AppState, Bootstrap, Contact, Settings, SignedIn } from "../src/backend/types";

export type Call = { command: string; args: Record<string, unknown> | undefined };

export const SETTINGS: Settings = {
  camera: null, microphone: null, speaker: null, beauty: 3, whiteness: 2, resolution: "720p",
  maxBitrateKbps: 1500, callTimeoutS: 45, locale: "auto", theme: "system", debug: false, startAtLogin: false,
  icePolicy: "all", miniWindow: true,
};

export const ALICE: SignedIn = { account: "alice", nick: "Alice", server: "", embedded: true, transport: "loopback" };

export const CONTACTS: Contact[] = [
  { account: "bob", nick: "Bob", presence: "online", state: "accepted" },
  { account: "carol", nick: "Carol", presence: "in_call", state: "accepted" },
  { account: "echo", nick: "Echo test", presence: "offline", state: "accepted" },
];

export const IDLE: AppState = {
  status: "idle", call: null, invite: null, waiting: null, connection: "connected", signedIn: ALICE, contacts: CONTACTS, missedCalls: 0, preview: null, revision: 0,
};

export const SIGNED_OUT: AppState = { ...IDLE, status: "signed_out", signedIn: null, contacts: [] };

export function bootstrapWith(state: AppState): Bootstrap {
  return {
    version: "0.1.0",
    locale: "en",
    lastSignIn: { server: "ws://127.0.0.1:9000", appKey: "demo", account: "alice", tlsCaFile: null, insecure: false },
    signInError: null,
    joinLink: null,
    callLink: null,
    framesUrl: "ws://127.0.0.1:9/frames?secret=x",
    videoPainter: "webgl",
    state,
  };
}

export class FakeBackend implements Backend {
  readonly calls: Call[] = [];
  private readonly handlers = new Map<string, ((payload: unknown) => void)[]>();
  responses: Record<string, unknown> = {};
  /** Commands that reject, with the `{code, message, ...}` the Rust side would send. */
  failures: Record<string, unknown> = {};
  private published = 0;
  private readonly held = new Map<string, ((reply: unknown) => void)[]>();
  private readonly afterReply = new Map<string, () => void>();

  constructor(bootstrap: Bootstrap, private readonly label = "main") {
    this.responses = {
      bootstrap,
      get_settings: SETTINGS,
      set_settings: undefined, // echo: see invoke
      contacts: CONTACTS,
      search: [{ account: "dave", nick: "Dave" }],
      history: [],
      devices: { cameras: [{ id: "cam0", name: "Integrated Camera" }], microphones: [], speakers: [] },
      call: { callId: "c1" },
      sign_in: { account: "alice", nick: "Alice", server: "", embedded: true, transport: "loopback" },
      import_ca: "/home/alice/.config/app.duet.desktop/ca/00ab/lab-ca.pem",
    };
  }

  async invoke<T>(command: string, args?: Record<string, unknown>): Promise<T> {
    this.calls.push({ command, args });
    const held = this.held.get(command);
    if (held) return new Promise<T>((resolve) => held.push(resolve as (reply: unknown) => void));
    if (command in this.failures) throw this.failures[command];
    if (command === "set_settings") return (args as { settings: Settings }).settings as T;
    const reply = (command in this.responses ? this.responses[command] : null) as T;
    this.afterReply.get(command)?.();
    return reply;
  }

  async listen<T>(event: string, handler: (payload: T) => void) {
    const list = this.handlers.get(event) ?? [];
    list.push(handler as (payload: unknown) => void);
    this.handlers.set(event, list);
    return () => {};
  }

  /** Runs `then` each time `command` is answered, before its reply reaches the page: the backend
   * moving on while the reply is on its way. */
  onReply(command: string, then: () => void): void {
    this.afterReply.set(command, then);
  }

  /** Holds every later request to `command` until the test answers it with `answerHeld`. */
  hold(command: string): void {
    this.held.set(command, []);
  }

  /** Answers the `nth` held request to `command` (0: the first sent), in whatever order a test needs. */
  answerHeld(command: string, nth: number, reply: unknown): void {
    const held = this.held.get(command)?.[nth];
    if (!held) throw new Error(`no held request ${nth} to ${command}`);
    held(reply);
  }

  windowLabel(): string {
    return this.label;
  }

  /** The window's full screen, as the page last set it (Tauri's window API, not a command). */
  fullscreen = false;

  async setFullscreen(on: boolean): Promise<void> {
    this.fullscreen = on;
  }

  async isFullscreen(): Promise<boolean> {
    return this.fullscreen;
  }

  /** The page closed its own window (Tauri's window API, not a command). */
  closed = false;

  async closeWindow(): Promise<void> {
    this.closed = true;
  }

  /** Like the backend, numbers every `app-state` one higher than the last (bootstrap states are 0). */
  emit(event: string, payload: unknown): void {
    if (event === "app-state") payload = { ...(payload as AppState), revision: ++this.published };
    this.emitExact(event, payload);
  }

  /** Sends the payload as given: for states that arrive out of order. */
  emitExact(event: string, payload: unknown): void {
    for (const handler of this.handlers.get(event) ?? []) handler(payload);
  }

  commands(): string[] {
    return this.calls.map((c) => c.command);
  }

  last(command: string): Call | undefined {
    return [...this.calls].reverse().find((c) => c.command === command);
  }
}

/** Lets pending promise callbacks run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}

export function byTestId<E extends HTMLElement = HTMLElement>(id: string): E {
  const el = document.querySelector<E>(`[data-testid="${id}"]`);
  if (!el) throw new Error(`no element with data-testid=${id}`);
  return el;
}

/** Visible: neither it nor an ancestor has the hidden attribute. */
export function visible(id: string): boolean {
  let el: HTMLElement | null = byTestId(id);
  while (el) {
    if (el.hidden) return false;
    el = el.parentElement;
  }
  return true;
}

export function press(key: string, ctrlKey = false): void {
  document.dispatchEvent(new KeyboardEvent("keydown", { key, ctrlKey, bubbles: true }));
}

/** A key with modifiers, sent to `target` (the focused element, as a browser would) or the document. */
export function pressWith(
  key: string, modifiers: { altKey?: boolean; ctrlKey?: boolean; shiftKey?: boolean } = {}, target: EventTarget = document,
): void {
  target.dispatchEvent(new KeyboardEvent("keydown", { key, ...modifiers, bubbles: true }));
}

/** A WebSocket that never connects (the page's frames socket in unit tests). */
export class SilentSocket {
  binaryType = "blob";
  onopen: (() => void) | null = null;
  onmessage: ((e: MessageEvent) => void) | null = null;
  onclose: (() => void) | null = null;
  onerror: (() => void) | null = null;
  constructor(readonly url: string) {}
  close(): void {}
}

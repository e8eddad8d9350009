// The main window: bootstrap, event wiring, screens (sign-in, home tabs, call), frames, tones, keys.
import type { Backend } from "../backend/backend";
import { Commands, errorText } from "../backend/commands";
import { isNewerState } from "../backend/stateOrder";
import type {
  AppState, CallEvent, CallStats, Locale, MicLevel, PresenceChange, Settings, SignedIn,
} from "../backend/types";
import { TonePlayer } from "../audio/tones";
import { FramesClient } from "../frames/client";
import { createDuetDebug, recordPaint, recordReceive } from "../frames/debug";
import { FrameScheduler } from "../frames/scheduler";
import { resolveLocale, setLocale, t, type I18nKey } from "../i18n/i18n";
import { callScreen } from "../views/callScreen";
import { contactsView } from "../views/contacts";
import { historyView } from "../views/history";
import { incomingBanner } from "../views/incomingBanner";
import { settingsView } from "../views/settings";
import { shellView, type Tab } from "../views/shell";
import { signInView } from "../views/signIn";
import { mainTone, screenFor, type Screen } from "./callView";
import { makeRunner, type AppContext } from "./context";
import { h, show } from "./dom";
import { installShortcuts } from "./installShortcuts";
import { Store } from "./store";
import { Toasts } from "./toast";

/** Toasts for the call outcomes worth telling the user; other SDK events are only logged. */
const TOAST_EVENTS = new Set([
  "USER_REJECT", "USER_BUSY", "USER_CANCEL", "CALLING_TIMEOUT", "CALL_END", "SWITCH_REFUSED",
  "MEDIA_FAILED", "OTHER_CLIENT_ACCEPT",
]);

export async function startMainApp(backend: Backend, mount: HTMLElement): Promise<AppContext> {
  const commands = new Commands(backend);
  const toasts = new Toasts();
  const bootstrap = await commands.bootstrap();
  setLocale(bootstrap.locale);

  const debug = createDuetDebug(() => call.sampleRemote());
  window.duetDebug = debug;
  const frames = new FrameScheduler(
    {
      requestFrame: (cb) => requestAnimationFrame(() => cb()),
      nowEpochMs: () => performance.timeOrigin + performance.now(),
    },
    (frame, paintedAt, drawMs) => recordPaint(debug, frame, paintedAt, drawMs),
  );
  debug.framesDropped = frames.dropped;
  const framesClient = new FramesClient({
    url: bootstrap.framesUrl,
    onFrame: (frame) => {
      recordReceive(debug, frame, performance.timeOrigin + performance.now());
      frames.push(frame);
    },
    onBadFrame: (reason) => {
      debug.badFrames += 1;
      debug.lastBadFrame = reason;
    },
  });

  const ctx: AppContext = {
    commands, bootstrap, frames, debug, toasts,
    displaySizes: framesClient,
    state: new Store<AppState>(bootstrap.state),
    signedIn: new Store<SignedIn | null>(bootstrap.signedIn),
    settings: new Store<Settings | null>(null),
    stats: new Store<CallStats | null>(null),
    micLevel: new Store<number>(0),
    run: makeRunner(toasts),
  };

  // "auto" means the OS locale, which the backend reported at bootstrap if settings said auto then.
  let osLocale: Locale | null = null;
  ctx.settings.subscribe((settings, previous) => {
    if (!settings) return;
    if (!previous && settings.locale === "auto") osLocale = bootstrap.locale;
    setLocale(settings.locale === "auto" ? osLocale ?? resolveLocale("auto", navigator.language) : settings.locale);
  });

  const signIn = signInView(ctx);
  const contacts = contactsView(ctx);
  const history = historyView(ctx);
  const settings = settingsView(ctx);
  const call = callScreen(ctx);
  const banner = incomingBanner(ctx);
  let tab: Tab = "contacts";
  const pages: Record<Tab, HTMLElement> = { contacts: contacts.root, history: history.root, settings: settings.root };
  const shell = shellView(ctx, (next) => selectTab(next));
  shell.banner.append(banner.root);
  shell.content.append(contacts.root, history.root, settings.root);
  mount.replaceChildren(signIn.root, shell.root, call.root, toasts.root);

  let screen: Screen | null = null;
  const selectTab = (next: Tab) => {
    if (screen === "home" && tab === "settings" && next !== "settings") settings.leave();
    tab = next;
    shell.select(tab);
    for (const [name, page] of Object.entries(pages)) show(page, name === tab);
    if (screen !== "home") return;
    if (tab === "settings") settings.enter();
    if (tab === "history") history.reload();
    if (tab === "contacts") contacts.reload();
  };

  const setScreen = (next: Screen) => {
    if (next === screen) return;
    // Leave before enter: settings and the call screen both draw stream 1.
    if (screen === "home" && tab === "settings") settings.leave();
    if (screen === "call") call.leave();
    const previous = screen;
    screen = next;
    show(signIn.root, next === "signin");
    show(shell.root, next === "home");
    show(call.root, next === "call");
    if (next === "call") call.enter();
    if (next === "home") selectTab(previous === "signin" || previous === null ? "contacts" : tab);
  };

  const tones = new TonePlayer();
  // The backend signs in by itself at start, possibly after the page's bootstrap: the first
  // signed-in state then arrives as an app-state event, and the account comes from a new bootstrap.
  let refreshing = false;
  const refreshSignedIn = async () => {
    if (refreshing) return;
    refreshing = true;
    const fresh = await ctx.run(commands.bootstrap());
    refreshing = false;
    if (fresh?.signedIn && !ctx.signedIn.get() && ctx.state.get().status !== "signed_out") ctx.signedIn.set(fresh.signedIn);
  };
  const render = (state: AppState, previous: AppState | null) => {
    if (state.status === "signed_out") ctx.signedIn.set(null);
    else if (!ctx.signedIn.get()) refreshSignedIn();
    setScreen(screenFor(state));
    call.update(state);
    banner.update(state);
    tones.play(mainTone(state));
    document.body.dataset.status = state.status;
    const ended = previous && previous.status !== "idle" && previous.status !== "signed_out" && state.status === "idle";
    if (ended && tab === "history") history.reload();
  };
  ctx.state.subscribe(render);
  ctx.signedIn.subscribe((me, before) => {
    if (me && !before) onSignedIn();
  });
  const onSignedIn = async () => {
    const s = await ctx.run(commands.getSettings());
    if (s) ctx.settings.set(s);
    contacts.reload();
  };

  await Promise.all([
    backend.listen<AppState>("app-state", (s) => {
      if (isNewerState(s, ctx.state.get())) ctx.state.set(s);
    }),
    backend.listen<CallEvent>("call-event", (e) => {
      console.debug("call-event", e);
      if (!TOAST_EVENTS.has(e.event)) return;
      toasts.show(t(`toast.${e.event}` as I18nKey, { what: String(e.what ?? "") }));
    }),
    backend.listen<PresenceChange>("presence", (p) => contacts.applyPresence(p)),
    backend.listen<CallStats>("stats", (s) => ctx.stats.set(s)),
    backend.listen<MicLevel>("mic-level", (m) => ctx.micLevel.set(m.level)),
    // Failures with no command to reject them, such as a duet:// link's call.
    backend.listen<unknown>("app-error", (e) => toasts.show(t("toast.error", { message: errorText(e) }), "error")),
    // The backend's own sign-in at start failed (a certificate that stopped verifying, say).
    backend.listen<unknown>("sign-in-error", (e) => signIn.showError(e)),
  ]);
  installShortcuts(ctx);

  render(ctx.state.get(), null);
  // A state published between the first bootstrap and the listener reached nobody: ask again now
  // that every later one is heard.
  const fresh = await ctx.run(commands.bootstrap());
  if (fresh && isNewerState(fresh.state, ctx.state.get())) ctx.state.set(fresh.state);
  if (fresh?.signInError && !bootstrap.signInError) signIn.showError(fresh.signInError);
  if (bootstrap.signedIn) onSignedIn();
  else commands.getSettings().then((s) => ctx.settings.set(s), () => {});

  framesClient.start();
  return ctx;
}

/** Shown when the backend cannot even bootstrap (a broken install): say so instead of a blank window. */
export function fatalScreen(mount: HTMLElement, message: string): void {
  mount.replaceChildren(h("div", { class: "fatal" }, h("h1", {}, "Duet"), h("pre", {}, message)));
}

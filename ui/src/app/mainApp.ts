// The main window: bootstrap, event wiring, screens (sign-in, home tabs, call), frames, tones, keys.
import type { Backend } from "../backend/backend";
import { Commands } from "../backend/commands";
import { isNewerState } from "../backend/stateOrder";
import type {
  AppState, BadLink, CallEvent, CallLink, CallStats, JoinLink, Locale, MicLevel, Settings, SignedIn,
} from "../backend/types";
import { TonePlayer } from "../audio/tones";
import { FramesClient } from "../frames/client";
import { createDuetDebug, recordPaint, recordReceive } from "../frames/debug";
import { FrameScheduler } from "../frames/scheduler";
import { setPainter } from "../video/createRenderer";
import { resolveLocale, setLocale, t, type I18nKey } from "../i18n/i18n";
import { themeFollower } from "./theme";
import { callScreen } from "../views/callScreen";
import { contactsView } from "../views/contacts";
import { historyView } from "../views/history";
import { incomingBanner } from "../views/incomingBanner";
import { linkConfirm } from "../views/linkConfirm";
import { settingsView } from "../views/settings";
import { shellView, type Tab } from "../views/shell";
import { signInView } from "../views/signIn";
import { mainTone, screenFor, type Screen } from "./callView";
import { makeRunner, type AppContext } from "./context";
import { h, show } from "./dom";
import { Fullscreen } from "./fullscreen";
import { installShortcuts } from "./installShortcuts";
import { Store } from "./store";
import { Toasts } from "./toast";
import { shareToast } from "./shareToast";

/** Toasts for the call outcomes worth telling the user; other SDK events are only logged. */
const TOAST_EVENTS = new Set([
  "USER_REJECT", "USER_BUSY", "USER_CANCEL", "CALLING_TIMEOUT", "CALL_END", "SWITCH_REFUSED",
  "MEDIA_FAILED", "OTHER_CLIENT_ACCEPT",
]);

/** Whether two signed-in accounts are the same session (null for signed out). */
function sameSession(a: SignedIn | null, b: SignedIn | null): boolean {
  return a === b || (a !== null && b !== null && a.account === b.account && a.server === b.server);
}

export async function startMainApp(backend: Backend, mount: HTMLElement): Promise<AppContext> {
  const commands = new Commands(backend);
  const toasts = new Toasts();
  const stats = new Store<CallStats | null>(null);
  const micLevel = new Store<number>(0);

  // Listen before asking: whatever the backend publishes from here on is heard, so one bootstrap
  // is enough. Until the views exist, the newest state and sign-in error are kept for them.
  let newestHeard: AppState | null = null;
  let onState = (s: AppState) => {
    if (isNewerState(s, newestHeard)) newestHeard = s;
  };
  /** The state a toast names the peer from: the newest heard, then the views' store. */
  let currentState = (): AppState | null => newestHeard;
  let signInErrorHeard: unknown = null;
  let onSignInError = (e: unknown) => {
    signInErrorHeard = e;
  };
  let joinLinkHeard: JoinLink | null = null;
  let onJoinLink = (link: JoinLink) => {
    joinLinkHeard = link;
  };
  let callLinkHeard: CallLink | null = null;
  let onCallLink = (link: CallLink) => {
    callLinkHeard = link;
  };
  await Promise.all([
    backend.listen<AppState>("app-state", (s) => onState(s)),
    backend.listen<CallEvent>("call-event", (e) => {
      console.debug("call-event", e);
      const shareText = shareToast(e, currentState());
      if (shareText) toasts.show(shareText);
      if (!TOAST_EVENTS.has(e.event)) return;
      toasts.show(t(`toast.${e.event}` as I18nKey, { what: String(e.what ?? "") }));
    }),
    backend.listen<CallStats>("stats", (s) => stats.set(s)),
    backend.listen<MicLevel>("mic-level", (m) => micLevel.set(m.level)),
    // The backend's own sign-in at start failed (a certificate that stopped verifying, say).
    backend.listen<unknown>("sign-in-error", (e) => onSignInError(e)),
    // A duet://join link: the sign-in screen opens "Create account" filled in.
    backend.listen<JoinLink>("join-link", (link) => onJoinLink(link)),
    // A duet://call link: a panel asks before anything is called.
    backend.listen<CallLink>("call-link", (link) => onCallLink(link)),
    // A duet: link the app does not understand: said, and nothing else happens.
    backend.listen<BadLink>("link-error", (bad) => toasts.show(badLinkText(bad), "error")),
  ]);
  const bootstrap = await commands.bootstrap();
  setLocale(bootstrap.locale);
  setPainter(bootstrap.videoPainter);
  const first = newestHeard !== null && isNewerState(newestHeard, bootstrap.state) ? newestHeard : bootstrap.state;

  const debug = createDuetDebug(() => call.sampleRemote(), () => call.sampleScreen());
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
    fullscreen: new Fullscreen(backend),
    displaySizes: framesClient,
    state: new Store<AppState>(first),
    signedIn: new Store<SignedIn | null>(first.signedIn),
    settings: new Store<Settings | null>(null),
    stats,
    micLevel,
    run: makeRunner(toasts),
  };
  currentState = () => ctx.state.get();

  const theme = themeFollower(document.documentElement, window.matchMedia?.("(prefers-color-scheme: dark)") ?? null);
  ctx.settings.subscribe((settings) => {
    if (settings) theme.set(settings.theme);
  });
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
  const callLink = linkConfirm(ctx);
  let tab: Tab = "contacts";
  const pages: Record<Tab, HTMLElement> = { contacts: contacts.root, history: history.root, settings: settings.root };
  const shell = shellView(ctx, (next) => selectTab(next));
  shell.banner.append(banner.root);
  shell.content.append(contacts.root, history.root, settings.root);
  mount.replaceChildren(signIn.root, shell.root, call.root, callLink.root, toasts.root);

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
  const render = (state: AppState, previous: AppState | null) => {
    // The account is part of the state: the backend's own sign-in at start arrives like any other.
    if (!sameSession(state.signedIn, ctx.signedIn.get())) ctx.signedIn.set(state.signedIn);
    setScreen(screenFor(state));
    call.update(state);
    banner.update(state);
    callLink.update(state);
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

  onState = (s) => {
    if (isNewerState(s, ctx.state.get())) ctx.state.set(s);
  };
  onSignInError = (e) => signIn.showError(e);
  if (signInErrorHeard !== null) signIn.showError(signInErrorHeard);
  onJoinLink = (link) => signIn.offerJoin(link);
  if (joinLinkHeard !== null) signIn.offerJoin(joinLinkHeard);
  onCallLink = (link) => callLink.offer(link);
  // The newest link wins: one heard while bootstrapping is newer than the bootstrap's.
  const waitingLink = callLinkHeard ?? bootstrap.callLink;
  if (waitingLink) callLink.offer(waitingLink);
  installShortcuts(ctx);
  // Full screen can end without the page (the window manager's own key): read it back.
  window.addEventListener("resize", () => {
    ctx.fullscreen.refresh().catch(() => {});
  });

  render(ctx.state.get(), null);
  if (ctx.signedIn.get()) onSignedIn();
  else commands.getSettings().then((s) => ctx.settings.set(s), () => {});

  framesClient.start();
  return ctx;
}

/** What the page says of a duet: link it cannot follow. */
export function badLinkText(bad: BadLink): string {
  return t("link.bad", { link: bad.link, problem: t(`link.problem.${bad.problem}` as I18nKey) });
}

/** Shown when the backend cannot even bootstrap (a broken install): say so instead of a blank window. */
export function fatalScreen(mount: HTMLElement, message: string): void {
  mount.replaceChildren(h("div", { class: "fatal" }, h("h1", {}, "Duet"), h("pre", {}, message)));
}

// The incoming-call popup window: caller, call type, accept as video / audio, decline, and a
// ringtone while the invite rings, which "Silence" stops without declining (the caller is not told).
// Accepting takes a click, or Alt+A once the user has moved to the popup (popupKeys.ts); Escape
// declines. The window never takes the focus itself (src-tauri/src/shell/popup_window.rs).
import { TonePlayer } from "../audio/tones";
import type { Backend } from "../backend/backend";
import { Commands } from "../backend/commands";
import { isNewerState } from "../backend/stateOrder";
import type { AppState, Invite } from "../backend/types";
import { avatar } from "../app/avatar";
import { h, icon, localize, setText } from "../app/dom";
import { ICONS } from "../app/icons";
import { onLocaleChange, resolveLocale, setLocale, t } from "../i18n/i18n";
import { popupKeyAction, type PopupAction } from "./popupKeys";

export type PopupView = { root: HTMLElement; update(state: AppState): void; act(action: PopupAction): Promise<void> };

export function popupView(commands: Commands, tones: Pick<TonePlayer, "play">): PopupView {
  let invite: Invite | null = null;
  let busy = false;
  /** The user silenced this invite's ringtone; it still rings visually. */
  let silenced = false;
  const who = h("div", { class: "popup-avatar" });
  const caller = h("div", { class: "popup-caller", testid: "popup-caller" });
  const kind = h("div", { class: "popup-kind", testid: "popup-kind" });
  const button = (testid: string, cls: string, svg: string) =>
    h("button", { type: "button", class: `popup-btn ${cls}`, testid }, h("span", { class: "popup-btn-icon" }, icon(svg)), h("span", { class: "popup-btn-label" }));
  const decline = button("popup-decline", "popup-decline", ICONS.hangup);
  const acceptAudio = button("popup-accept-audio", "popup-accept", ICONS.phone);
  const acceptVideo = button("popup-accept-video", "popup-accept", ICONS.video);
  localize(decline.lastElementChild!, () => t("popup.decline")); // non-null: button() always adds the label
  localize(acceptAudio.lastElementChild!, () => t("popup.acceptAudio")); // non-null: as above
  localize(acceptVideo.lastElementChild!, () => t("popup.acceptVideo")); // non-null: as above
  const silence = h("button", { type: "button", class: "popup-silence", testid: "popup-silence" });
  localize(silence, () => t(silenced ? "popup.silenced" : "popup.silence"));
  const keys = localize(h("div", { class: "popup-keys" }), () => t("popup.keys"));
  const root = h("section", { class: "popup", testid: "popup" },
    h("div", { class: "popup-head" }, who, h("div", { class: "popup-text" }, caller, kind)),
    h("div", { class: "popup-actions" }, decline, acceptAudio, acceptVideo),
    h("div", { class: "popup-foot" }, silence, keys));
  const ring = () => tones.play(invite && !silenced ? "ringtone" : null);

  const render = () => {
    root.dataset.ringing = String(invite !== null);
    root.dataset.silenced = String(silenced);
    silence.disabled = silenced;
    setText(silence, t(silenced ? "popup.silenced" : "popup.silence"));
    if (!invite) return;
    setText(caller, invite.nick || invite.from);
    setText(kind, t(invite.callType === 2 ? "popup.inviteVideo" : "popup.inviteAudio"));
    root.dataset.callType = String(invite.callType);
  };
  onLocaleChange(render);

  const view: PopupView = {
    root,
    update(state) {
      const next = state.status === "ringing" ? state.invite : null;
      if (next?.callId !== invite?.callId) {
        busy = false;
        silenced = false;
        // A button focused during an earlier invite must not be one key away from answering this one.
        const focused = document.activeElement;
        if (focused instanceof HTMLElement && root.contains(focused)) focused.blur();
      }
      if (next && next.callId !== invite?.callId) who.replaceChildren(avatar(next.from, next.nick, "lg"));
      invite = next;
      ring();
      render();
    },
    async act(action) {
      if (!invite || busy) return;
      if (action.kind === "silence") {
        // Only this window's ringtone: the invite keeps ringing here and at the caller's.
        silenced = true;
        ring();
        render();
        return;
      }
      busy = true;
      tones.play(null); // silence at once; the state that follows confirms it
      try {
        // Accepting brings the main window up (the backend's accept does).
        if (action.kind === "decline") await commands.reject();
        else await commands.accept(action.callType);
      } catch (error) {
        console.error("popup action failed", error);
        busy = false;
        ring();
      }
    },
  };
  decline.addEventListener("click", () => view.act({ kind: "decline" }));
  acceptAudio.addEventListener("click", () => view.act({ kind: "accept", callType: 1 }));
  acceptVideo.addEventListener("click", () => view.act({ kind: "accept", callType: 2 }));
  silence.addEventListener("click", () => view.act({ kind: "silence" }));
  document.addEventListener("keydown", (event) => {
    const action = popupKeyAction(event, invite);
    if (!action) return;
    event.preventDefault();
    view.act(action);
  });
  return view;
}

export async function startPopup(backend: Backend, mount: HTMLElement): Promise<PopupView> {
  const commands = new Commands(backend);
  document.body.classList.add("popup-window");
  const view = popupView(commands, new TonePlayer());
  mount.replaceChildren(view.root);
  let shown: AppState | null = null;
  let lastInvite: string | null = null;
  const onState = (state: AppState) => {
    if (!isNewerState(state, shown)) return;
    shown = state;
    const id = state.status === "ringing" ? state.invite?.callId ?? null : null;
    // The main window may have switched the language since this window loaded.
    if (id && id !== lastInvite) {
      commands.getSettings().then(
        (s) => setLocale(s.locale === "auto" ? resolveLocale("auto", navigator.language) : s.locale),
        () => {},
      );
    }
    lastInvite = id;
    view.update(state);
  };
  // Listen before asking: a state published in between would otherwise reach nobody.
  await backend.listen<AppState>("app-state", onState);
  const bootstrap = await commands.bootstrap();
  setLocale(bootstrap.locale);
  onState(bootstrap.state);
  return view;
}

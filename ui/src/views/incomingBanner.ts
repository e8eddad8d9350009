// In the main window, an invite that rings here shows as a banner too (the popup is the primary
// surface); Ctrl+Enter and Escape act on it.
import type { AppContext } from "../app/context";
import { avatar } from "../app/avatar";
import { h, localize, setText } from "../app/dom";
import type { AppState } from "../backend/types";
import { onLocaleChange, t } from "../i18n/i18n";

export function incomingBanner(ctx: AppContext): { root: HTMLElement; update(state: AppState): void } {
  let state: AppState | null = null;
  const who = h("div", { class: "banner-avatar" });
  const text = h("div", { class: "banner-text" });
  const accept = localize(h("button", { type: "button", class: "btn btn-success btn-sm", testid: "incoming-accept", title: "Ctrl+Enter" }), () => t("incoming.accept"));
  const decline = localize(h("button", { type: "button", class: "btn btn-danger btn-sm", testid: "incoming-decline", title: "Esc" }), () => t("incoming.decline"));
  const root = h("div", { class: "incoming-banner", testid: "incoming-banner", hidden: true }, who, text, h("div", { class: "banner-actions" }, decline, accept));
  accept.addEventListener("click", () => {
    if (state?.invite) ctx.run(ctx.commands.accept(state.invite.callType));
  });
  decline.addEventListener("click", () => ctx.run(ctx.commands.reject()));
  // The avatar is rebuilt only for another caller (the banner re-renders with every state).
  let shownFrom: string | null = null;
  const render = () => {
    const invite = state?.status === "ringing" ? state.invite : null;
    root.hidden = !invite;
    if (!invite) return;
    if (invite.from !== shownFrom) {
      who.replaceChildren(avatar(invite.from, invite.nick, "sm"));
      shownFrom = invite.from;
    }
    setText(text, t("incoming.title", {
      name: invite.nick || invite.from,
      type: t(invite.callType === 2 ? "incoming.type.2" : "incoming.type.1"),
    }));
  };
  onLocaleChange(render);
  return {
    root,
    update(next) {
      state = next;
      render();
    },
  };
}

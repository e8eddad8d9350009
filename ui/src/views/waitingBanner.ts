// Call waiting: a call that rings during this user's call shows as a small banner on the call
// screen (never the popup, which would cover the call): who calls, "End and answer" (hang this
// call up, answer that one) and "Decline" (the caller hears busy; this call goes on).
import type { AppContext } from "../app/context";
import { avatar } from "../app/avatar";
import { h, localize, setText } from "../app/dom";
import type { Invite } from "../backend/types";
import { onLocaleChange, t } from "../i18n/i18n";

export function waitingBanner(ctx: AppContext): { root: HTMLElement; set(invite: Invite | null): void } {
  let invite: Invite | null = null;
  let shownFrom = "";
  const who = h("div", { class: "banner-avatar" });
  const text = h("div", { class: "banner-text", testid: "waiting-text" });
  const answer = localize(h("button", { type: "button", class: "btn btn-success btn-sm", testid: "waiting-end-answer" }), () => t("waiting.endAndAnswer"));
  const decline = localize(h("button", { type: "button", class: "btn btn-ghost-dark btn-sm", testid: "waiting-decline" }), () => t("waiting.decline"));
  const root = h("div", { class: "waiting-banner", testid: "waiting-banner", role: "alert", hidden: true }, who, text, h("div", { class: "prompt-actions" }, decline, answer));
  answer.addEventListener("click", () => {
    if (invite) ctx.run(ctx.commands.endAndAnswer(invite.callId));
  });
  decline.addEventListener("click", () => {
    if (invite) ctx.run(ctx.commands.declineWaiting(invite.callId));
  });
  const render = () => {
    root.hidden = !invite;
    if (!invite) {
      shownFrom = "";
      return;
    }
    if (invite.from !== shownFrom) {
      who.replaceChildren(avatar(invite.from, invite.nick, "sm"));
      shownFrom = invite.from;
    }
    setText(text, t("waiting.title", {
      name: invite.nick || invite.from,
      type: t(invite.callType === 2 ? "call.video" : "call.audio"),
    }));
  };
  onLocaleChange(render);
  return {
    root,
    set(next) {
      invite = next;
      render();
    },
  };
}

// The peer asks to switch the call type: accept or decline (answer_switch).
import type { AppContext } from "../app/context";
import { h, localize, setText } from "../app/dom";
import type { CallType } from "../backend/types";
import { t } from "../i18n/i18n";

export function switchPrompt(ctx: AppContext): { root: HTMLElement; set(request: CallType | null, peer: string): void } {
  let request: CallType | null = null;
  let peer = "";
  const text = localize(h("span", { class: "prompt-text" }), () =>
    request ? t(request === 1 ? "call.switchRequest.1" : "call.switchRequest.2", { name: peer }) : "");
  const accept = localize(h("button", { type: "button", class: "btn btn-primary btn-sm", testid: "switch-accept" }), () => t("call.switchAccept"));
  const decline = localize(h("button", { type: "button", class: "btn btn-ghost-dark btn-sm", testid: "switch-decline" }), () => t("call.switchDecline"));
  accept.addEventListener("click", () => ctx.run(ctx.commands.answerSwitch(true)));
  decline.addEventListener("click", () => ctx.run(ctx.commands.answerSwitch(false)));
  const root = h("div", { class: "switch-prompt", testid: "switch-prompt", hidden: true }, text, h("div", { class: "prompt-actions" }, decline, accept));
  return {
    root,
    set(next, name) {
      request = next;
      peer = name;
      root.hidden = next === null;
      if (next) setText(text, t(next === 1 ? "call.switchRequest.1" : "call.switchRequest.2", { name }));
    },
  };
}

// A duet://call link asks before it calls (docs/app.md, Links and consent): any web page or program
// can open such a link, so the main window shows who it would call and places nothing until the
// user picks "Audio call" or "Video call"; "Cancel" (or Esc) drops it. Cancel has the focus, so a
// stray Enter cannot call.
import type { AppContext } from "../app/context";
import { avatar } from "../app/avatar";
import { h, localize, setText } from "../app/dom";
import type { AppState, CallLink, CallType } from "../backend/types";
import { onLocaleChange, t } from "../i18n/i18n";

export type LinkConfirm = { root: HTMLElement; offer(link: CallLink): void; update(state: AppState): void };

/** The callee as the user knows them: the nick from contacts, else the account. */
export function linkCallee(link: CallLink, state: AppState | null): string {
  return state?.contacts.find((c) => c.account === link.account)?.nick || link.account;
}

export function linkConfirm(ctx: AppContext): LinkConfirm {
  let link: CallLink | null = null;
  let state: AppState | null = ctx.state.get();
  const who = h("div", { class: "link-avatar" });
  const title = h("h2", { class: "link-title", testid: "link-callee", id: "link-title" });
  const account = h("div", { class: "link-account", testid: "link-account" });
  const why = localize(h("p", { class: "link-why" }), () => t("link.why"));
  const notReady = localize(h("p", { class: "link-not-ready", testid: "link-not-ready", hidden: true }), () => t("link.notReady"));
  const button = (testid: string, key: "link.audio" | "link.video" | "link.cancel") =>
    localize(h("button", { type: "button", class: "btn btn-ghost", testid }), () => t(key));
  const audio = button("link-call-audio", "link.audio");
  const video = button("link-call-video", "link.video");
  const cancel = button("link-cancel", "link.cancel");
  const root = h("div", { class: "link-backdrop", testid: "link-confirm", hidden: true },
    h("div", { class: "link-dialog", role: "dialog", "aria-modal": "true", "aria-labelledby": "link-title" },
      h("div", { class: "link-head" }, who, h("div", { class: "link-text" }, title, account)),
      why, notReady,
      h("div", { class: "link-actions" }, cancel, audio, video)));

  const render = () => {
    root.hidden = link === null;
    if (!link) return;
    const name = linkCallee(link, state);
    setText(title, t("link.title", { name }));
    setText(account, link.account);
    account.hidden = name === link.account;
    // Placing a call needs a signed-in, idle app; the panel stays until then (or until cancelled).
    const ready = state?.status === "idle";
    audio.disabled = video.disabled = !ready;
    notReady.hidden = ready;
    // The link's suggested type is the highlighted choice; neither is the default button.
    audio.className = `btn ${link.callType === 1 ? "btn-primary" : "btn-ghost"}`;
    video.className = `btn ${link.callType === 2 ? "btn-primary" : "btn-ghost"}`;
  };
  onLocaleChange(render);

  const close = () => {
    link = null;
    render();
    ctx.run(ctx.commands.dismissCallLink());
  };
  const place = (callType: CallType) => {
    if (!link || state?.status !== "idle") return;
    const account = link.account;
    close();
    ctx.run(ctx.commands.call(account, callType));
  };
  audio.addEventListener("click", () => place(1));
  video.addEventListener("click", () => place(2));
  cancel.addEventListener("click", close);
  root.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || !link) return;
    // Esc here only drops the link; the window's own Esc shortcuts must not see it.
    event.stopPropagation();
    close();
  });

  return {
    root,
    offer(next) {
      const first = link === null;
      link = next;
      who.replaceChildren(avatar(next.account, linkCallee(next, state), "lg"));
      render();
      if (first) cancel.focus();
    },
    update(next) {
      state = next;
      render();
    },
  };
}

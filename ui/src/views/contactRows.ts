// The rows of the contacts page, one kind per entry state: a request to answer (Accept / Ignore),
// a contact (calls, Remove, Block), a request sent ("Request sent", Withdraw) and a blocked account
// (Unblock). Remove and Block ask first, in the row itself.
import { avatar } from "../app/avatar";
import { h, icon, localize } from "../app/dom";
import { ICONS } from "../app/icons";
import type { CallType, Contact } from "../backend/types";
import { t, type I18nKey } from "../i18n/i18n";

/** What the rows ask the page to do. */
export type RowActions = {
  call(account: string, callType: CallType): void;
  accept(contact: Contact): void;
  ignore(contact: Contact): void;
  remove(contact: Contact): void;
  block(contact: Contact): void;
  unblock(contact: Contact): void;
};

const name = (c: Contact) => c.nick || c.account;

function button(testid: string, label: I18nKey, kind: string, onClick: () => void, svg?: string): HTMLButtonElement {
  const el = h("button", { type: "button", class: `btn ${kind}`, testid }, svg ? icon(svg) : null, localize(h("span"), () => t(label)));
  el.addEventListener("click", onClick);
  return el;
}

function iconButton(testid: string, label: I18nKey, svg: string, onClick: () => void): HTMLButtonElement {
  const el = h("button", { type: "button", class: "icon-btn", testid }, icon(svg));
  localize(el, () => t(label), "title");
  localize(el, () => t(label), "aria-label");
  el.addEventListener("click", onClick);
  return el;
}

function row(c: Contact, sub: HTMLElement, actions: HTMLElement, presence = c.presence): HTMLLIElement {
  return h(
    "li",
    { class: `contact-row contact-${c.state}`, testid: `contact-${c.account}`, "data-presence": presence, "data-state": c.state },
    h("div", { class: "avatar-wrap" }, avatar(c.account, c.nick), h("span", { class: `presence-dot presence-${presence}` })),
    h("div", { class: "row-main" }, h("div", { class: "row-title" }, name(c)), sub),
    actions,
  );
}

/** Replaces `actions`' buttons with a question and Confirm / Cancel; Confirm runs `then`. */
function confirmIn(actions: HTMLElement, c: Contact, question: I18nKey, then: () => void): void {
  const before = [...actions.childNodes];
  const cancel = button(`contact-cancel-${c.account}`, "contacts.cancel", "btn-ghost", () => actions.replaceChildren(...before));
  const confirm = button(`contact-confirm-${c.account}`, "contacts.confirm", "btn-danger", then);
  actions.replaceChildren(
    localize(h("span", { class: "confirm-question", testid: `contact-question-${c.account}` }), () => t(question, { name: name(c) })),
    confirm,
    cancel,
  );
  confirm.focus();
}

export function incomingRow(c: Contact, act: RowActions): HTMLLIElement {
  const actions = h("div", { class: "row-actions" },
    button(`contact-accept-${c.account}`, "contacts.accept", "btn-primary", () => act.accept(c), ICONS.check),
    button(`contact-ignore-${c.account}`, "contacts.ignore", "btn-ghost", () => act.ignore(c)));
  const sub = h("div", { class: "row-sub" }, localize(h("span"), () => t("contacts.wantsToAdd")), ` · ${c.account}`);
  return row(c, sub, actions, "offline");
}

export function acceptedRow(c: Contact, act: RowActions): HTMLLIElement {
  const actions = h("div", { class: "row-actions" },
    iconButton(`call-audio-${c.account}`, "contacts.callAudio", ICONS.phone, () => act.call(c.account, 1)),
    iconButton(`call-video-${c.account}`, "contacts.callVideo", ICONS.video, () => act.call(c.account, 2)),
    iconButton(`contact-remove-${c.account}`, "contacts.remove", ICONS.x, () =>
      confirmIn(actions, c, "contacts.confirmRemove", () => act.remove(c))),
    iconButton(`contact-block-${c.account}`, "contacts.block", ICONS.block, () =>
      confirmIn(actions, c, "contacts.confirmBlock", () => act.block(c))));
  const sub = h("div", { class: "row-sub" },
    localize(h("span", { class: `presence-label presence-text-${c.presence}` }), () => t(`presence.${c.presence}`)), ` · ${c.account}`);
  return row(c, sub, actions);
}

export function outgoingRow(c: Contact, act: RowActions): HTMLLIElement {
  const actions = h("div", { class: "row-actions" },
    iconButton(`contact-withdraw-${c.account}`, "contacts.withdraw", ICONS.x, () => act.remove(c)));
  const sub = h("div", { class: "row-sub" },
    localize(h("span", { class: "pending-label", testid: `contact-pending-${c.account}` }), () => t("contacts.pending")), ` · ${c.account}`);
  return row(c, sub, actions, "offline");
}

export function blockedRow(c: Contact, act: RowActions): HTMLLIElement {
  const actions = h("div", { class: "row-actions" },
    button(`contact-unblock-${c.account}`, "contacts.unblock", "btn-ghost", () => act.unblock(c)));
  const sub = h("div", { class: "row-sub" }, localize(h("span"), () => t("contacts.youBlocked")), ` · ${c.account}`);
  return row(c, sub, actions, "offline");
}

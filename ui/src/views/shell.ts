// The signed-in frame: sidebar (user, navigation, shortcuts help, sign out) and the current page.
import type { AppContext } from "../app/context";
import { avatar } from "../app/avatar";
import { h, icon, localize, setText } from "../app/dom";
import { ICONS } from "../app/icons";
import { t, type I18nKey } from "../i18n/i18n";
import type { SignedIn } from "../backend/types";
import { insecureBadge } from "./insecureBadge";

export type Tab = "contacts" | "history" | "settings";

export type Shell = { root: HTMLElement; content: HTMLElement; banner: HTMLElement; select(tab: Tab): void };

export function shellView(ctx: AppContext, onTab: (tab: Tab) => void): Shell {
  const user = h("div", { class: "user-card" });
  const renderUser = (me: SignedIn | null) => {
    if (!me) return user.replaceChildren();
    const embedded = me.embedded ? localize(h("span", { class: "badge" }), () => t("nav.embedded")) : null;
    user.replaceChildren(
      avatar(me.account, me.nick, "sm"),
      h("div", { class: "user-text" }, h("div", { class: "user-nick" }, me.nick || me.account),
        h("div", { class: "user-account" }, me.account), embedded),
    );
  };
  renderUser(ctx.signedIn.get());
  ctx.signedIn.subscribe(renderUser);

  const tabs: [Tab, string, I18nKey][] = [
    ["contacts", ICONS.users, "nav.contacts"],
    ["history", ICONS.clock, "nav.history"],
    ["settings", ICONS.settings, "nav.settings"],
  ];
  const buttons = new Map<Tab, HTMLButtonElement>();
  // Missed calls not yet seen in the history (the backend counts them; opening History clears them).
  const missed = h("span", { class: "nav-badge", testid: "missed-badge", hidden: true });
  let missedCount = 0;
  const missedTitle = () => missedCount === 1 ? t("nav.missedCall") : t("nav.missedCalls", { n: missedCount });
  localize(missed, missedTitle, "title");
  ctx.state.subscribe((s) => {
    missedCount = s.missedCalls;
    missed.hidden = missedCount === 0;
    setText(missed, missedCount === 0 ? "" : missedCount > 99 ? "99+" : String(missedCount));
    missed.title = missedTitle();
  });
  const nav = h("nav", { class: "nav" }, ...tabs.map(([tab, svg, key]) => {
    const button = h("button", { type: "button", class: "nav-item", testid: `nav-${tab}` }, icon(svg), localize(h("span"), () => t(key)),
      tab === "history" ? missed : null);
    button.addEventListener("click", () => onTab(tab));
    buttons.set(tab, button);
    return button;
  }));

  const shortcutKeys: I18nKey[] = ["shortcuts.accept", "shortcuts.decline", "shortcuts.hangup", "shortcuts.mute"];
  const help = h("details", { class: "shortcuts", testid: "shortcuts-help" },
    h("summary", {}, icon(ICONS.keyboard), localize(h("span"), () => t("shortcuts.title"))),
    h("ul", {}, ...shortcutKeys.map((key) => localize(h("li"), () => t(key)))));
  localize(help, () => shortcutKeys.map((key) => t(key)).join("\n"), "title");

  const signOut = h("button", { type: "button", class: "nav-item nav-signout", testid: "nav-signout" }, icon(ICONS.logout), localize(h("span"), () => t("nav.signOut")));
  signOut.addEventListener("click", () => ctx.run(ctx.commands.signOut()));

  const reconnecting = localize(h("div", { class: "conn-banner", testid: "conn-banner", hidden: true }), () => t("conn.reconnecting"));
  ctx.state.subscribe((s) => {
    reconnecting.hidden = s.connection !== "reconnecting" || s.status === "signed_out";
  });

  // Under the user card, so it stays in sight on every tab while the connection is plain ws://.
  const notSecure = insecureBadge(ctx, "conn-insecure");

  const banner = h("div", { class: "banner-slot" });
  const content = h("main", { class: "content" });
  const root = h("div", { class: "screen shell" },
    h("aside", { class: "sidebar" },
      h("div", { class: "brand" }, h("div", { class: "brand-mark" }, "D"), h("div", { class: "brand-name" }, "Duet")),
      user, notSecure, nav, h("div", { class: "sidebar-spacer" }), help, signOut),
    h("div", { class: "main-column" }, reconnecting, banner, content));

  return {
    root, content, banner,
    select(tab) {
      for (const [name, button] of buttons) button.classList.toggle("active", name === tab);
    },
  };
}

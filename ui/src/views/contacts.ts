// Contacts with presence, a directory search, add, and audio/video call buttons per contact.
import type { AppContext } from "../app/context";
import { avatar } from "../app/avatar";
import { h, icon, localize } from "../app/dom";
import { ICONS } from "../app/icons";
import { NewestRequest } from "../app/newest";
import type { CallType, Contact, SearchHit } from "../backend/types";
import { t } from "../i18n/i18n";

const SEARCH_DEBOUNCE_MS = 250;

export type ContactsView = {
  root: HTMLElement;
  /** Asks the backend to fetch the list again; it arrives in the next app-state. */
  reload(): Promise<void>;
};

export function contactsView(ctx: AppContext): ContactsView {
  // The backend's list (app-state `contacts`, presence included): rendered, never edited here.
  let contacts: Contact[] = ctx.state.get().contacts;
  let hits: SearchHit[] = [];
  let query = "";
  let searchTimer: ReturnType<typeof setTimeout> | null = null;
  const searches = new NewestRequest();

  const search = h("input", { type: "search", testid: "contact-search", class: "search-input", spellcheck: "false" });
  localize(search, () => t("contacts.search"), "placeholder");
  const add = h("button", { type: "button", class: "btn btn-primary", testid: "contact-add", disabled: true },
    icon(ICONS.plus), localize(h("span"), () => t("contacts.add")));
  const list = h("ul", { class: "contact-list" });
  const results = h("div", { class: "search-results" });

  const root = h(
    "section",
    { class: "page contacts-page" },
    h("header", { class: "page-header" }, localize(h("h2"), () => t("contacts.title"))),
    h("div", { class: "search-bar" }, h("label", { class: "search-box" }, icon(ICONS.search), search), add),
    results,
    list,
  );

  const call = (account: string, callType: CallType) => ctx.run(ctx.commands.call(account, callType));

  const callButtons = (account: string) => {
    const audio = h("button", { type: "button", class: "icon-btn", testid: `call-audio-${account}` }, icon(ICONS.phone));
    const video = h("button", { type: "button", class: "icon-btn", testid: `call-video-${account}` }, icon(ICONS.video));
    localize(audio, () => t("contacts.callAudio"), "title");
    localize(video, () => t("contacts.callVideo"), "title");
    localize(audio, () => t("contacts.callAudio"), "aria-label");
    localize(video, () => t("contacts.callVideo"), "aria-label");
    audio.addEventListener("click", () => call(account, 1));
    video.addEventListener("click", () => call(account, 2));
    return h("div", { class: "row-actions" }, audio, video);
  };

  const renderList = () => {
    const needle = query.toLowerCase();
    const shown = contacts.filter(
      (c) => !needle || c.account.toLowerCase().includes(needle) || c.nick.toLowerCase().includes(needle),
    );
    list.replaceChildren(
      ...shown.map((c) =>
        h(
          "li",
          { class: "contact-row", testid: `contact-${c.account}`, "data-presence": c.presence },
          h("div", { class: "avatar-wrap" }, avatar(c.account, c.nick), h("span", { class: `presence-dot presence-${c.presence}` })),
          h("div", { class: "row-main" },
            h("div", { class: "row-title" }, c.nick || c.account),
            h("div", { class: "row-sub" }, localize(h("span", { class: `presence-label presence-text-${c.presence}` }), () => t(`presence.${c.presence}`)), ` · ${c.account}`)),
          callButtons(c.account),
        ),
      ),
    );
    if (contacts.length === 0) list.append(localize(h("li", { class: "empty" }), () => t("contacts.empty")));
  };

  const renderResults = () => {
    const known = new Set(contacts.map((c) => c.account));
    const fresh = hits.filter((hit) => !known.has(hit.account));
    results.hidden = query === "";
    if (query === "") return results.replaceChildren();
    results.replaceChildren(
      localize(h("div", { class: "section-label" }), () => t("contacts.results")),
      ...fresh.map((hit) => {
        const addHit = h("button", { type: "button", class: "btn btn-ghost", testid: `search-add-${hit.account}` },
          icon(ICONS.plus), localize(h("span"), () => t("contacts.add")));
        addHit.addEventListener("click", () => addContact(hit.account, hit.nick));
        return h("div", { class: "contact-row search-hit", testid: `search-hit-${hit.account}` },
          avatar(hit.account, hit.nick),
          h("div", { class: "row-main" }, h("div", { class: "row-title" }, hit.nick || hit.account), h("div", { class: "row-sub" }, hit.account)),
          addHit);
      }),
    );
    if (fresh.length === 0) results.append(localize(h("div", { class: "empty" }), () => t("contacts.noResults")));
  };

  const addContact = async (account: string, nick = account) => {
    if (!account) return;
    const done = await ctx.run(ctx.commands.addContact(account).then(() => true));
    if (!done) return;
    ctx.toasts.show(t("contacts.added", { name: nick || account }));
    search.value = "";
    query = "";
    hits = [];
    add.disabled = true;
    await view.reload();
  };

  const runSearch = async () => {
    const current = searches.begin();
    if (!query) {
      hits = [];
      renderResults();
      return;
    }
    const found = await ctx.run(ctx.commands.search(query));
    if (!current()) return; // a newer query was typed meanwhile
    hits = found ?? [];
    renderResults();
  };

  search.addEventListener("input", () => {
    query = search.value.trim();
    add.disabled = query === "";
    renderList();
    if (searchTimer) clearTimeout(searchTimer);
    searchTimer = setTimeout(runSearch, SEARCH_DEBOUNCE_MS);
  });
  search.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && query) addContact(hits.find((x) => x.account === query)?.account ?? query);
  });
  // contact-add adds the account typed in the search box (the directory hits have their own buttons).
  add.addEventListener("click", () => {
    const exact = hits.find((x) => x.account === query);
    addContact(query, exact?.nick);
  });

  const view: ContactsView = {
    root,
    async reload() {
      await ctx.run(ctx.commands.contacts());
    },
  };
  ctx.state.subscribe((state) => {
    if (state.contacts === contacts || JSON.stringify(state.contacts) === JSON.stringify(contacts)) return;
    contacts = state.contacts;
    renderList();
    renderResults();
  });
  renderList();
  results.hidden = true;
  return view;
}

// The contacts page: requests to answer at the top, then contacts with presence and call buttons,
// requests sent, blocked accounts; a directory search whose "Add" sends a request.
import type { AppContext } from "../app/context";
import { avatar } from "../app/avatar";
import { h, icon, localize } from "../app/dom";
import { ICONS } from "../app/icons";
import { NewestRequest } from "../app/newest";
import type { Contact, ContactState, SearchHit } from "../backend/types";
import { t } from "../i18n/i18n";
import { acceptedRow, blockedRow, incomingRow, outgoingRow, type RowActions } from "./contactRows";

const SEARCH_DEBOUNCE_MS = 250;
/** The server searches the directory for queries of at least this many characters. */
const MIN_SEARCH_CHARS = 2;

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
  const requests = h("ul", { class: "contact-list contact-section", testid: "contact-requests" });
  const list = h("ul", { class: "contact-list contact-section" });
  const results = h("div", { class: "search-results" });

  const root = h(
    "section",
    { class: "page contacts-page" },
    h("header", { class: "page-header" }, localize(h("h2"), () => t("contacts.title"))),
    h("div", { class: "search-bar" }, h("label", { class: "search-box" }, icon(ICONS.search), search), add),
    results,
    requests,
    list,
  );

  const name = (c: { account: string; nick: string }) => c.nick || c.account;
  const act = (work: Promise<unknown>, toast?: string) =>
    ctx.run(work.then(() => true)).then(async (done) => {
      if (!done) return;
      if (toast) ctx.toasts.show(toast);
      await view.reload();
    });
  const actions: RowActions = {
    call: (account, callType) => ctx.run(ctx.commands.call(account, callType)),
    accept: (c) => act(ctx.commands.acceptContact(c.account), t("contacts.accepted", { name: name(c) })),
    ignore: (c) => act(ctx.commands.ignoreContact(c.account)),
    remove: (c) => act(ctx.commands.removeContact(c.account), c.state === "accepted" ? t("contacts.removed", { name: name(c) }) : undefined),
    block: (c) => act(ctx.commands.blockContact(c.account), t("contacts.blockedToast", { name: name(c) })),
    unblock: (c) => act(ctx.commands.unblockContact(c.account)),
  };

  // Requests first (they wait for an answer), then contacts, requests sent, blocked accounts.
  const ORDER: Record<ContactState, number> = { incoming: 0, accepted: 1, outgoing: 2, blocked: 3 };
  const ROWS: Record<ContactState, (c: Contact, a: RowActions) => HTMLLIElement> = {
    incoming: incomingRow, accepted: acceptedRow, outgoing: outgoingRow, blocked: blockedRow,
  };

  const renderList = () => {
    const needle = query.toLowerCase();
    const matches = (c: Contact) => !needle || c.account.toLowerCase().includes(needle) || c.nick.toLowerCase().includes(needle);
    const incoming = contacts.filter((c) => c.state === "incoming");
    requests.hidden = incoming.length === 0;
    requests.replaceChildren(
      localize(h("li", { class: "section-label" }), () => t("contacts.requests")),
      ...incoming.map((c) => incomingRow(c, actions)),
    );
    const shown = contacts
      .filter((c) => c.state !== "incoming" && matches(c))
      .sort((a, b) => ORDER[a.state] - ORDER[b.state]);
    list.replaceChildren(...shown.map((c) => ROWS[c.state](c, actions)));
    if (contacts.length === 0) list.append(localize(h("li", { class: "empty" }), () => t("contacts.empty")));
  };

  const renderResults = () => {
    const known = new Set(contacts.map((c) => c.account));
    const fresh = hits.filter((hit) => !known.has(hit.account));
    results.hidden = query === "";
    if (query === "") return results.replaceChildren();
    if (query.length < MIN_SEARCH_CHARS) {
      return results.replaceChildren(localize(h("div", { class: "search-hint", testid: "search-hint" }), () => t("contacts.searchHint")));
    }
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
    search.value = "";
    query = "";
    hits = [];
    add.disabled = true;
    await view.reload();
    // A request, unless the other had asked first (then it is a contact at once).
    const now = contacts.find((c) => c.account === account);
    const toast = now?.state === "accepted" ? "contacts.added" : "contacts.requestSent";
    ctx.toasts.show(t(toast, { name: nick || account }));
    renderList();
    renderResults();
  };

  const runSearch = async () => {
    const current = searches.begin();
    if (query.length < MIN_SEARCH_CHARS) {
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

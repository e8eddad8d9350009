// @vitest-environment jsdom
// The contacts page against a mocked backend: requests to answer at the top, requests sent, the
// per-contact Remove and Block with their confirmation, blocked accounts, and the directory search.
import { describe, expect, it } from "vitest";
import type { AppState, Contact } from "../src/backend/types";
import { bootstrapWith, byTestId, CONTACTS, FakeBackend, IDLE, settle, visible } from "./fakeBackend";
import { mountMainWindow, usePageEnvironment } from "./mainWindow";

usePageEnvironment();

const DAVE: Contact = { account: "dave", nick: "Dave", presence: "offline", state: "incoming" };
const ERIN: Contact = { account: "erin", nick: "Erin", presence: "offline", state: "outgoing" };
const MALLORY: Contact = { account: "mallory", nick: "Mallory", presence: "offline", state: "blocked" };
const withContacts = (contacts: Contact[]): AppState => ({ ...IDLE, contacts });

async function start(state: AppState = IDLE) {
  const backend = new FakeBackend(bootstrapWith(state));
  await mountMainWindow(backend);
  return backend;
}

const toasts = () => [...document.querySelectorAll(".toast")].map((el) => el.textContent);
const command = (backend: FakeBackend, name: string) => backend.calls.filter((c) => c.command === name).map((c) => c.args);

async function typeSearch(text: string) {
  const search = byTestId<HTMLInputElement>("contact-search");
  search.value = text;
  search.dispatchEvent(new Event("input"));
  await new Promise((r) => setTimeout(r, 300)); // the search debounce
  await settle();
}

describe("contact requests", () => {
  it("shows a request received at the top, with Accept and Ignore", async () => {
    const backend = await start(withContacts([...CONTACTS, DAVE]));
    const requests = byTestId("contact-requests");
    expect(visible("contact-requests")).toBe(true);
    expect(requests.querySelector('[data-testid="contact-dave"]')).toBeTruthy();
    expect(requests.textContent).toContain("wants to add you");
    // Before every contact in the page, and without call buttons: no presence until accepted.
    const rows = [...document.querySelectorAll<HTMLElement>(".contact-row")].map((r) => r.dataset.testid);
    expect(rows[0]).toBe("contact-dave");
    expect(document.querySelector('[data-testid="call-audio-dave"]')).toBeNull();
    expect(byTestId("contact-dave").dataset.presence).toBe("offline");

    byTestId("contact-accept-dave").click();
    await settle();
    expect(command(backend, "accept_contact")).toEqual([{ account: "dave" }]);
    expect(toasts()).toContain("Dave is now a contact");
    byTestId("contact-ignore-dave").click();
    await settle();
    expect(command(backend, "ignore_contact")).toEqual([{ account: "dave" }]);
  });

  it("hides the requests section when none waits", async () => {
    await start();
    expect(visible("contact-requests")).toBe(false);
  });

  it("shows a request sent as Request sent, without calls, and withdraws it", async () => {
    const backend = await start(withContacts([...CONTACTS, ERIN]));
    expect(byTestId("contact-pending-erin").textContent).toBe("Request sent");
    expect(document.querySelector('[data-testid="call-video-erin"]')).toBeNull();
    byTestId("contact-withdraw-erin").click();
    await settle();
    expect(command(backend, "remove_contact")).toEqual([{ account: "erin" }]);
  });

  it("follows the state: a request that was accepted becomes a contact with call buttons", async () => {
    const backend = await start(withContacts([...CONTACTS, ERIN]));
    backend.emit("app-state", withContacts([...CONTACTS, { ...ERIN, state: "accepted", presence: "online" }]));
    expect(byTestId("contact-erin").dataset.state).toBe("accepted");
    expect(byTestId("call-video-erin")).toBeTruthy();
  });
});

describe("remove and block", () => {
  it("Remove asks first; Cancel sends nothing, Confirm removes", async () => {
    const backend = await start();
    byTestId("contact-remove-bob").click();
    expect(byTestId("contact-question-bob").textContent).toBe("Remove Bob? You will no longer see each other online.");
    byTestId("contact-cancel-bob").click();
    await settle();
    expect(command(backend, "remove_contact")).toEqual([]);
    expect(byTestId("call-audio-bob")).toBeTruthy();

    byTestId("contact-remove-bob").click();
    byTestId("contact-confirm-bob").click();
    await settle();
    expect(command(backend, "remove_contact")).toEqual([{ account: "bob" }]);
    expect(toasts()).toContain("Removed Bob");
  });

  it("Block asks first and says the other is not told, then blocks", async () => {
    const backend = await start();
    byTestId("contact-block-carol").click();
    expect(byTestId("contact-question-carol").textContent).toContain("are not told");
    expect(command(backend, "block_contact")).toEqual([]);
    byTestId("contact-confirm-carol").click();
    await settle();
    expect(command(backend, "block_contact")).toEqual([{ account: "carol" }]);
    expect(toasts()).toContain("Blocked Carol");
  });

  it("a blocked account is listed last, offline, with Unblock only", async () => {
    const backend = await start(withContacts([MALLORY, ...CONTACTS]));
    const rows = [...document.querySelectorAll<HTMLElement>(".contact-row")].map((r) => r.dataset.testid);
    expect(rows[rows.length - 1]).toBe("contact-mallory");
    expect(document.querySelector('[data-testid="call-audio-mallory"]')).toBeNull();
    byTestId("contact-unblock-mallory").click();
    await settle();
    expect(command(backend, "unblock_contact")).toEqual([{ account: "mallory" }]);
  });
});

describe("directory search", () => {
  it("a hit's Add sends a request and says so", async () => {
    const backend = await start();
    await typeSearch("dav");
    expect(command(backend, "search")).toEqual([{ query: "dav" }]);
    byTestId("search-add-dave").click();
    await settle();
    expect(command(backend, "add_contact")).toEqual([{ account: "dave" }]);
    expect(toasts()).toContain("Request sent to Dave");
  });

  it("a one-character query asks for more and does not search", async () => {
    const backend = await start();
    await typeSearch("d");
    expect(visible("search-hint")).toBe(true);
    expect(byTestId("search-hint").textContent).toBe("Type at least 2 characters to search the directory");
    expect(command(backend, "search")).toEqual([]);
  });

  it("speaks Chinese too", async () => {
    const { setLocale } = await import("../src/i18n/i18n");
    await start(withContacts([...CONTACTS, DAVE]));
    setLocale("zh");
    expect(byTestId("contact-accept-dave").textContent).toBe("接受");
    expect(byTestId("contact-ignore-dave").textContent).toBe("忽略");
  });
});

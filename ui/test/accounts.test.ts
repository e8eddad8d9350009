// @vitest-environment jsdom
// Joining a real server from the sign-in screen: a password sign-in with the address as people
// write it, "Create account" asking the server whether it wants an invite code, a duet://join
// link filling the form in (without sending anything), and the server's refusals in both languages.
import { describe, expect, it } from "vitest";
import type { Bootstrap, CommandError, ServerInfo, SignedIn } from "../src/backend/types";
import { signInErrorText } from "../src/format/signInError";
import { setLocale } from "../src/i18n/i18n";
import { bootstrapWith, byTestId, FakeBackend, settle, SIGNED_OUT, visible } from "./fakeBackend";
import { mountMainWindow, usePageEnvironment } from "./mainWindow";

const CAROL: SignedIn = { account: "carol", nick: "Carol", server: "wss://duet.example.com/ws", embedded: false, transport: "tls" };
const INVITE_ONLY: ServerInfo = { serverUrl: "wss://duet.example.com/ws", appKey: "demo", registration: "invite", minPasswordChars: 8 };

usePageEnvironment();

async function start(bootstrap: Bootstrap) {
  const backend = new FakeBackend(bootstrap);
  backend.responses.sign_in_password = CAROL;
  backend.responses.create_account = CAROL;
  backend.responses.server_info = INVITE_ONLY;
  await mountMainWindow(backend);
  return backend;
}

function fill(testid: string, value: string): void {
  const input = byTestId<HTMLInputElement>(testid);
  input.value = value;
  input.dispatchEvent(new Event("change"));
}

const NO_LAST_SIGN_IN: Bootstrap = { ...bootstrapWith(SIGNED_OUT), lastSignIn: null };

describe("signing in to a real server", () => {
  it("sends the address as written with the account and password, no token fields in sight", async () => {
    const backend = await start(NO_LAST_SIGN_IN);
    expect(byTestId("signin-join-hint").textContent).toContain("join a server");
    expect(visible("signin-password")).toBe(true);
    expect(visible("signin-token")).toBe(false);
    expect(visible("signin-appkey")).toBe(false);
    fill("signin-server", "duet.example.com");
    fill("signin-account", "carol");
    fill("signin-password", "correct horse battery");
    byTestId<HTMLFormElement>("signin-form").requestSubmit();
    await settle();
    const sent = backend.calls.find((c) => c.command === "sign_in_password");
    expect(sent?.args).toEqual({
      form: { server: "duet.example.com", account: "carol", password: "correct horse battery", insecure: false },
    });
    expect(byTestId<HTMLInputElement>("signin-password").value).toBe("");
  });

  it("keeps the operator's token sign-in one tick away", async () => {
    const backend = await start(NO_LAST_SIGN_IN);
    byTestId<HTMLInputElement>("signin-use-token").click();
    expect(visible("signin-token")).toBe(true);
    expect(visible("signin-password")).toBe(false);
    fill("signin-server", "wss://duet.example.com/ws");
    fill("signin-appkey", "demo");
    fill("signin-account", "carol");
    fill("signin-token", "dt1.x");
    byTestId<HTMLFormElement>("signin-form").requestSubmit();
    await settle();
    expect(backend.calls.some((c) => c.command === "sign_in")).toBe(true);
  });

  it("says a wrong password in the user's language", () => {
    const refused: CommandError = { code: "server_refused", message: "server refused: BadPassword: wrong account or password" };
    const withCode = { ...refused, serverCode: "bad_password" };
    expect(signInErrorText(withCode)).toBe("Wrong account or password.");
    setLocale("zh");
    expect(signInErrorText(withCode)).toBe("账号或密码错误。");
    expect(signInErrorText({ ...refused, serverCode: "weak_password" })).toContain("密码太弱");
  });
});

describe("creating an account", () => {
  it("asks the server and shows the invite code field when it wants one", async () => {
    const backend = await start(NO_LAST_SIGN_IN);
    fill("signin-server", "duet.example.com");
    byTestId("signin-mode-create").click();
    await settle();
    expect(backend.calls.find((c) => c.command === "server_info")?.args).toEqual({
      form: { server: "duet.example.com", insecure: false },
    });
    expect(visible("signup-code")).toBe(true);
    expect(visible("signup-nick")).toBe(true);
    expect(byTestId("signup-password-hint").textContent).toContain("At least 8 characters");
    fill("signin-account", "carol");
    fill("signup-nick", "Carol");
    fill("signin-password", "correct horse battery");
    fill("signup-code", " AbC-9 ");
    byTestId<HTMLFormElement>("signin-form").requestSubmit();
    await settle();
    expect(byTestId("signin-mode-signin").classList.contains("active")).toBe(true);
    expect(backend.calls.find((c) => c.command === "create_account")?.args).toEqual({
      form: {
        server: "duet.example.com", insecure: false, account: "carol", nick: "Carol",
        password: "correct horse battery", code: "AbC-9",
      },
    });
  });

  it("goes to the server's default app, not a remembered token sign-in's app key", async () => {
    const backend = await start({
      ...bootstrapWith(SIGNED_OUT),
      lastSignIn: { server: "embedded", appKey: "local", account: "me", tlsCaFile: null, insecure: false },
    });
    fill("signin-server", "duet.example.com");
    byTestId("signin-mode-create").click();
    await settle();
    expect(backend.calls.find((c) => c.command === "server_info")?.args).toEqual({
      form: { server: "duet.example.com", insecure: false },
    });
  });

  it("says so when the server does not let people register", async () => {
    const backend = await start(NO_LAST_SIGN_IN);
    backend.responses.server_info = { ...INVITE_ONLY, registration: "closed" };
    fill("signin-server", "duet.example.com");
    byTestId("signin-mode-create").click();
    await settle();
    expect(byTestId("signup-notice").textContent).toBe(
      "This server does not let people create accounts themselves; ask its owner for one.");
    expect(visible("signup-code")).toBe(false);
  });

  it("opens filled in from a duet://join link, sending nothing until the user submits", async () => {
    const backend = await start({ ...NO_LAST_SIGN_IN, joinLink: { server: "duet.example.com", code: "AbC-9" } });
    expect(byTestId<HTMLInputElement>("signin-server").value).toBe("duet.example.com");
    expect(byTestId<HTMLInputElement>("signup-code").value).toBe("AbC-9");
    expect(byTestId("signup-notice").textContent).toBe(
      "You are invited to join duet.example.com. Choose an account name and a password.");
    expect(backend.calls.some((c) => c.command === "create_account" || c.command.startsWith("sign_in"))).toBe(false);
    // A link that arrives while the app runs does the same.
    backend.emit("join-link", { server: "other.example.org", code: null });
    await settle();
    expect(byTestId<HTMLInputElement>("signin-server").value).toBe("other.example.org");
  });
});

// @vitest-environment jsdom
// Connection security on the page: the sign-in form's extra CA file and "Insecure, for testing" choice, the
// sentences for a refused ws:// server and an untrusted certificate (both languages), the "Not
// secure" marker, and the ICE policy under Advanced.
import { describe, expect, it } from "vitest";
import type { Bootstrap, CommandError, SignedIn } from "../src/backend/types";
import { signInErrorText } from "../src/format/signInError";
import { setLocale } from "../src/i18n/i18n";
import { fileNameOf } from "../src/views/caFileChoice";
import { bootstrapWith, byTestId, FakeBackend, IDLE, SETTINGS, settle, SIGNED_OUT, visible } from "./fakeBackend";
import { mountMainWindow, usePageEnvironment } from "./mainWindow";

const PLAIN: SignedIn = { account: "alice", nick: "Alice", server: "ws://192.168.1.20:7420/ws", embedded: false, transport: "plain" };
const UNTRUSTED: CommandError = {
  code: "tls_untrusted",
  message: "tls_untrusted: the certificate of duet.lab:7443 cannot be trusted: it has expired",
  host: "duet.lab:7443", reason: "it has expired", reasonKind: "expired",
};

usePageEnvironment();

async function start(bootstrap: Bootstrap) {
  const backend = new FakeBackend(bootstrap);
  const ctx = await mountMainWindow(backend);
  return { backend, ctx };
}

/** Picks `file` in the form's hidden file input, as the file dialog would. */
function chooseFile(file: File): void {
  const input = byTestId<HTMLInputElement>("signin-ca-file");
  Object.defineProperty(input, "files", { value: [file], configurable: true });
  input.dispatchEvent(new Event("change"));
}

describe("sign-in errors about the connection's safety", () => {
  it("names the host of a refused ws:// server in both languages", () => {
    const refused = { code: "insecure_server", message: "insecure_server: ...", host: "192.168.1.20" };
    expect(signInErrorText(refused)).toBe(
      "Refused: the ws:// connection to 192.168.1.20 is not encrypted. Use wss://, or tick “Insecure, for testing”.");
    setLocale("zh");
    expect(signInErrorText(refused)).toBe("到 192.168.1.20 的 ws:// 连接没有加密，已拒绝。请使用 wss://，或勾选“不安全，仅用于测试”。");
  });

  it("says an untrusted certificate as its own sentence with host and reason, in both languages", () => {
    expect(signInErrorText(UNTRUSTED)).toBe("The certificate of duet.lab:7443 cannot be trusted: it has expired.");
    const unknownCa: CommandError = { ...UNTRUSTED, reasonKind: "unknown_issuer" };
    expect(signInErrorText(unknownCa)).toContain("certificate authority this computer does not trust");
    setLocale("zh");
    expect(signInErrorText(UNTRUSTED)).toBe("无法信任 duet.lab:7443 的证书：它已过期。");
    expect(signInErrorText(unknownCa)).toBe("无法信任 duet.lab:7443 的证书：它由本机不信任的证书颁发机构签发（可在上方选择该 CA 证书）。");
  });

  it("falls back to the SDK's reason for an unknown kind and to the generic text for other errors", () => {
    const odd: CommandError = { ...UNTRUSTED, reason: "BadSignature", reasonKind: "other" };
    expect(signInErrorText(odd)).toBe("The certificate of duet.lab:7443 cannot be trusted: BadSignature.");
    expect(signInErrorText({ code: "cannot_connect", message: "refused" })).toBe("Sign-in failed: Cannot reach the server.");
  });

  it("shows the sentence under the form, not a generic sign-in failure", async () => {
    const { backend } = await start(bootstrapWith(SIGNED_OUT));
    backend.failures.sign_in = UNTRUSTED;
    byTestId<HTMLInputElement>("signin-server").value = "wss://duet.lab:7443/ws";
    byTestId<HTMLFormElement>("signin-form").requestSubmit();
    await settle();
    expect(byTestId("signin-error").textContent).toBe("The certificate of duet.lab:7443 cannot be trusted: it has expired.");
    expect(visible("signin-form")).toBe(true);
  });
});

describe("the backend's own sign-in at start", () => {
  it("says why it failed, from the bootstrap or from a later sign-in-error event", async () => {
    const bootstrap = bootstrapWith(SIGNED_OUT);
    bootstrap.signInError = UNTRUSTED;
    const { backend } = await start(bootstrap);
    expect(byTestId("signin-error").textContent).toBe("The certificate of duet.lab:7443 cannot be trusted: it has expired.");
    backend.emit("sign-in-error", { code: "insecure_server", message: "...", host: "10.0.0.9" });
    expect(byTestId("signin-error").textContent).toContain("ws:// connection to 10.0.0.9 is not encrypted");
  });
});

describe("the sign-in form's server security", () => {
  it("imports a chosen CA file, shows its name and signs in with the copy's path and the insecure choice", async () => {
    const { backend } = await start(bootstrapWith(SIGNED_OUT));
    expect(byTestId("signin-ca-name").textContent).toBe("None: system certificates only");
    expect(byTestId("signin-ca-clear").hidden).toBe(true);
    chooseFile(new File(["-----BEGIN CERTIFICATE-----\nMIIB\n"], "lab-ca.pem"));
    await settle();
    expect(backend.last("import_ca")?.args).toEqual({ fileName: "lab-ca.pem", pem: "-----BEGIN CERTIFICATE-----\nMIIB\n" });
    expect(byTestId("signin-ca-name").textContent).toBe("lab-ca.pem");
    expect(byTestId("signin-ca-clear").hidden).toBe(false);
    expect(visible("signin-insecure-hint")).toBe(false);
    byTestId<HTMLInputElement>("signin-insecure").click();
    expect(visible("signin-insecure-hint")).toBe(true);
    byTestId<HTMLFormElement>("signin-form").requestSubmit();
    await settle();
    expect(backend.last("sign_in")?.args).toMatchObject({
      tlsCaFile: "/home/alice/.config/app.duet.desktop/ca/00ab/lab-ca.pem", insecure: true,
    });
  });

  it("removing the CA signs in with the system's roots only", async () => {
    const bootstrap = bootstrapWith(SIGNED_OUT);
    bootstrap.lastSignIn = { server: "wss://duet.lab/ws", appKey: "demo", account: "alice", tlsCaFile: "/cfg/ca/1/lab-ca.pem", insecure: true };
    const { backend } = await start(bootstrap);
    expect(byTestId("signin-ca-name").textContent).toBe("lab-ca.pem");
    expect(byTestId<HTMLInputElement>("signin-insecure").checked).toBe(true);
    byTestId("signin-ca-clear").click();
    expect(byTestId("signin-ca-name").textContent).toBe("None: system certificates only");
    byTestId<HTMLFormElement>("signin-form").requestSubmit();
    await settle();
    expect(backend.last("sign_in")?.args).toMatchObject({ tlsCaFile: null, insecure: true });
  });

  it("a file the backend refuses keeps the previous choice and says why", async () => {
    const { backend } = await start(bootstrapWith(SIGNED_OUT));
    backend.failures.import_ca = { code: "invalid", message: "key.pem holds no PEM certificate" };
    chooseFile(new File(["-----BEGIN PRIVATE KEY-----"], "key.pem"));
    await settle();
    expect(byTestId("signin-error").textContent).toBe("This certificate file cannot be used.");
    expect(byTestId("signin-error").title).toBe("invalid: key.pem holds no PEM certificate");
    expect(byTestId("signin-ca-name").textContent).toBe("None: system certificates only");
  });

  it("takes paths apart on either separator", () => {
    expect(fileNameOf("/a/b/ca.pem")).toBe("ca.pem");
    expect(fileNameOf("C:\\certs\\ca.crt")).toBe("ca.crt");
  });
});

describe("the Not secure marker", () => {
  it("shows on the main window and the call screen while signed in over plain ws://, in both languages", async () => {
    const { backend } = await start(bootstrapWith({ ...IDLE, signedIn: PLAIN }));
    expect(visible("conn-insecure")).toBe(true);
    expect(byTestId("conn-insecure").textContent).toBe("Not secure");
    expect(byTestId("conn-insecure").title).toContain("ws://192.168.1.20:7420/ws");
    backend.emit("app-state", {
      ...IDLE, signedIn: PLAIN, status: "in_call",
      call: { callId: "c1", peer: "bob", peerNick: "Bob", callType: 1, outgoing: true, answeredAtMs: null, muted: false,
        cameraOn: false, remoteAudio: true, remoteVideo: false, remoteVideoPaused: false, switchRequest: null, sharing: false, remoteSharing: false, devices: { camera: "ok", microphone: "ok" } },
    });
    expect(visible("call-insecure")).toBe(true);
    setLocale("zh");
    expect(byTestId("call-insecure").textContent).toBe("不安全");
  });

  it("is absent for the embedded server and for wss://", async () => {
    const { ctx } = await start(bootstrapWith(IDLE));
    expect(byTestId("conn-insecure").hidden).toBe(true);
    ctx.signedIn.set({ ...PLAIN, server: "wss://duet.lab/ws", transport: "tls" });
    expect(byTestId("conn-insecure").hidden).toBe(true);
    ctx.signedIn.set(PLAIN);
    expect(byTestId("conn-insecure").hidden).toBe(false);
  });
});

describe("Advanced: the ICE policy", () => {
  it("shows the saved policy and saves Relay only", async () => {
    const { backend } = await start(bootstrapWith(IDLE));
    backend.responses.get_settings = { ...SETTINGS, icePolicy: "relay" };
    byTestId("nav-settings").click();
    await settle();
    const policy = byTestId<HTMLSelectElement>("settings-ice-policy");
    expect(policy.value).toBe("relay");
    expect(policy.selectedOptions[0].textContent).toBe("Relay only (hide my IP address)");
    policy.value = "all";
    byTestId("settings-save").click();
    await settle();
    expect(backend.last("set_settings")?.args).toEqual({ settings: { ...SETTINGS, icePolicy: "all" } });
    policy.value = "relay";
    byTestId("settings-save").click();
    await settle();
    expect(backend.last("set_settings")?.args).toEqual({ settings: { ...SETTINGS, icePolicy: "relay" } });
  });
});

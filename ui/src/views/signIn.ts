// The sign-in screen, in two modes. "Sign in": server address as people write it (empty: the
// embedded one), account and password; or, behind "Sign in with a login token instead", the
// appKey and token an operator handed out. "Create account": server, account, display name,
// password, and the invite code field when the server asks for one (it says so in `server_info`).
// A duet://join link opens "Create account" filled in; nothing is sent until the user submits.
// Both modes share the server's security: an extra CA certificate and "Insecure, for testing".
import { rawDetail } from "../format/errorText";
import { signInErrorText } from "../format/signInError";
import type { AppContext } from "../app/context";
import { h, localize, setText, show } from "../app/dom";
import type { JoinLink, ServerChoice, ServerInfo, SignedIn } from "../backend/types";
import { t, type I18nKey } from "../i18n/i18n";
import { caFileChoice } from "./caFileChoice";

export type SignInView = {
  root: HTMLElement;
  /** Says why a sign-in failed: the form's own, or the backend's at start (`sign-in-error`). */
  showError(error: unknown): void;
  /** A duet://join link: switches to "Create account" with the server and code filled in. */
  offerJoin(link: JoinLink): void;
};

type Mode = "signin" | "create";

export function signInView(ctx: AppContext): SignInView {
  const last = ctx.bootstrap.lastSignIn;
  const field = (key: I18nKey, testid: string, name: string, value: string, type = "text", placeholder?: I18nKey) => {
    const input = h("input", {
      testid, name, type, value, autocomplete: type === "password" ? "current-password" : "off",
      spellcheck: "false",
    });
    if (placeholder) localize(input, () => t(placeholder), "placeholder");
    return { input, label: h("label", { class: "field" }, localize(h("span"), () => t(key)), input) };
  };
  const server = field("signin.server", "signin-server", "server", last?.server ?? "", "text", "signin.serverPlaceholder");
  const account = field("signin.account", "signin-account", "account", last?.account ?? "");
  const password = field("signin.password", "signin-password", "password", "", "password");
  const nick = field("signup.nick", "signup-nick", "nick", "");
  const code = field("signup.code", "signup-code", "code", "");
  const appKey = field("signin.appKey", "signin-appkey", "appKey", last?.appKey ?? "");
  const token = field("signin.token", "signin-token", "token", "", "password");
  const passwordHint = h("p", { class: "form-hint", testid: "signup-password-hint" });
  const notice = h("p", { class: "form-notice", testid: "signup-notice" });
  const error = h("p", { class: "form-error", role: "alert", testid: "signin-error" });
  const ca = caFileChoice(ctx, last?.tlsCaFile ?? null, (text, detail) => {
    setText(error, text);
    error.title = detail;
  });
  const insecure = h("input", { type: "checkbox", name: "insecure", testid: "signin-insecure" });
  insecure.checked = last?.insecure ?? false;
  const insecureLabel = h("label", { class: "check" }, insecure, localize(h("span"), () => t("signin.insecure")));
  // What ticking it exposes, in sight while it is ticked.
  const insecureHint = localize(h("p", { class: "form-hint", testid: "signin-insecure-hint" }), () => t("signin.insecureHint"));
  insecure.addEventListener("change", () => show(insecureHint, insecure.checked));
  show(insecureHint, insecure.checked);
  // Remembered token sign-ins (an operator's token) open in token mode.
  const useToken = h("input", { type: "checkbox", name: "useToken", testid: "signin-use-token" });
  useToken.checked = Boolean(last && last.server && last.server !== "embedded" && last.appKey);
  const useTokenLabel = h("label", { class: "check" }, useToken, localize(h("span"), () => t("signin.useToken")));
  const submit = h("button", { type: "submit", class: "btn btn-primary btn-block", testid: "signin-submit" });
  const tab = (mode: Mode, key: I18nKey) =>
    localize(h("button", { type: "button", class: "tab", testid: `signin-mode-${mode}` }), () => t(key));
  const tabs = { signin: tab("signin", "signin.modeSignIn"), create: tab("create", "signin.modeCreate") };

  let mode: Mode = "signin";
  let info: ServerInfo | null = null;
  const submitKey = (): I18nKey => (mode === "create" ? "signup.submit" : "signin.submit");
  localize(submit, () => t(submitKey()));
  const render = () => {
    const creating = mode === "create";
    const byToken = !creating && useToken.checked;
    tabs.signin.classList.toggle("active", !creating);
    tabs.create.classList.toggle("active", creating);
    show(useTokenLabel, !creating);
    show(appKey.label, byToken);
    show(token.label, byToken);
    show(password.label, !byToken);
    show(nick.label, creating);
    // The code field shows when the server asks for codes, or when a link brought one.
    show(code.label, creating && (info?.registration === "invite" || code.input.value !== ""));
    setText(passwordHint, creating ? t("signup.passwordHint", { n: info?.minPasswordChars ?? 8 }) : "");
    show(passwordHint, creating);
    password.input.autocomplete = creating ? "new-password" : "current-password";
    setText(submit, t(submitKey()));
  };
  // The app key is a token sign-in's field; passwords and new accounts go to the server's default
  // app (a remembered key, such as the embedded server's, must not leak into them).
  const choice = (): ServerChoice => ({
    server: server.input.value.trim(),
    appKey: (mode === "signin" && useToken.checked && appKey.input.value.trim()) || undefined,
    tlsCaFile: ca.path() ?? undefined,
    insecure: insecure.checked,
  });
  // In "Create account", ask the server what it allows whenever the address settles.
  const learnPolicy = async () => {
    info = null;
    setText(notice, "");
    const address = server.input.value.trim();
    if (mode !== "create" || address === "") {
      if (mode === "create") setText(notice, t("signup.needsServer"));
      render();
      return;
    }
    try {
      info = await ctx.commands.serverInfo(choice());
      if (info.registration === "closed") setText(notice, t("signup.closed"));
    } catch (e) {
      showError(e);
    }
    render();
  };
  const setMode = (next: Mode) => {
    mode = next;
    setText(error, "");
    render();
    if (mode === "create") void learnPolicy();
    else setText(notice, "");
  };
  tabs.signin.addEventListener("click", () => setMode("signin"));
  tabs.create.addEventListener("click", () => setMode("create"));
  useToken.addEventListener("change", render);
  server.input.addEventListener("change", () => { if (mode === "create") void learnPolicy(); });

  const form = h(
    "form",
    { class: "signin-card", testid: "signin-form" },
    h("div", { class: "brand" }, h("div", { class: "brand-mark" }, "D"), h("div", { class: "brand-name" }, "Duet")),
    localize(h("h1"), () => t("signin.title")),
    localize(h("p", { class: "muted", testid: "signin-join-hint" }), () => t("signin.joinHint")),
    h("div", { class: "tabs", role: "tablist" }, tabs.signin, tabs.create),
    notice,
    server.label, account.label, nick.label, password.label, passwordHint, code.label,
    useTokenLabel, appKey.label, token.label,
    ca.root, insecureLabel, insecureHint,
    error, submit,
  );
  const send = (): Promise<SignedIn> => {
    const address = server.input.value.trim();
    if (mode === "create") {
      return ctx.commands.createAccount({
        ...choice(),
        account: account.input.value.trim(),
        nick: nick.input.value.trim(),
        password: password.input.value,
        code: code.input.value.trim() || undefined,
      });
    }
    // An empty address is the embedded server, which needs no credentials; a token sign-in is
    // what an operator's `user add` hands out.
    if (address === "" || address === "embedded" || useToken.checked) {
      return ctx.commands.signIn({
        server: address,
        appKey: appKey.input.value.trim(),
        account: account.input.value.trim(),
        token: token.input.value,
        tlsCaFile: ca.path(),
        insecure: insecure.checked,
      });
    }
    return ctx.commands.signInPassword({ ...choice(), account: account.input.value.trim(), password: password.input.value });
  };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    setText(error, "");
    submit.disabled = true;
    setText(submit, t(mode === "create" ? "signup.submitting" : "signin.submitting"));
    try {
      const signedIn = await send();
      ctx.signedIn.set(signedIn);
      token.input.value = "";
      password.input.value = "";
      code.input.value = "";
      // Signing out later comes back to "Sign in", with this account filled in.
      mode = "signin";
      setText(notice, "");
    } catch (e) {
      showError(e);
    } finally {
      submit.disabled = false;
      render();
    }
  });
  const showError = (e: unknown) => {
    setText(error, signInErrorText(e, server.input.value.trim()));
    // The backend's own words, for the curious and for bug reports.
    error.title = rawDetail(e);
  };
  const offerJoin = (link: JoinLink) => {
    server.input.value = link.server;
    code.input.value = link.code ?? "";
    setMode("create");
    // Said after setMode, which clears the notice before asking the server.
    setText(notice, t("signup.invited", { server: link.server }));
  };
  render();
  if (ctx.bootstrap.signInError) showError(ctx.bootstrap.signInError);
  if (ctx.bootstrap.joinLink) offerJoin(ctx.bootstrap.joinLink);
  return { root: h("section", { class: "screen signin-screen" }, form), showError, offerJoin };
}

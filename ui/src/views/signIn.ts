// The sign-in form: server (empty: the embedded one), appKey, account, token, and the server's
// security: an extra CA certificate and the "Insecure, for testing" choice for plain ws://.
import { signInErrorText } from "../format/signInError";
import type { AppContext } from "../app/context";
import { h, localize } from "../app/dom";
import { t, type I18nKey } from "../i18n/i18n";
import { caFileChoice } from "./caFileChoice";

export type SignInView = {
  root: HTMLElement;
  /** Says why a sign-in failed: the form's own, or the backend's at start (`sign-in-error`). */
  showError(error: unknown): void;
};

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
  const appKey = field("signin.appKey", "signin-appkey", "appKey", last?.appKey ?? "");
  const account = field("signin.account", "signin-account", "account", last?.account ?? "");
  const token = field("signin.token", "signin-token", "token", "", "password");
  const error = h("p", { class: "form-error", role: "alert", testid: "signin-error" });
  const ca = caFileChoice(ctx, last?.tlsCaFile ?? null, (text) => { error.textContent = text; });
  const insecure = h("input", { type: "checkbox", name: "insecure", testid: "signin-insecure" });
  insecure.checked = last?.insecure ?? false;
  const insecureLabel = h("label", { class: "check" }, insecure, localize(h("span"), () => t("signin.insecure")));
  // What ticking it exposes, in sight while it is ticked.
  const insecureHint = localize(h("p", { class: "form-hint", testid: "signin-insecure-hint" }), () => t("signin.insecureHint"));
  const renderInsecure = () => { insecureHint.hidden = !insecure.checked; };
  insecure.addEventListener("change", renderInsecure);
  renderInsecure();
  const submit = h("button", { type: "submit", class: "btn btn-primary btn-block", testid: "signin-submit" });
  localize(submit, () => t("signin.submit"));

  const form = h(
    "form",
    { class: "signin-card", testid: "signin-form" },
    h("div", { class: "brand" }, h("div", { class: "brand-mark" }, "D"), h("div", { class: "brand-name" }, "Duet")),
    localize(h("h1"), () => t("signin.title")),
    localize(h("p", { class: "muted" }), () => t("signin.subtitle")),
    server.label, appKey.label, account.label, token.label,
    ca.root, insecureLabel, insecureHint,
    error, submit,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    submit.disabled = true;
    submit.textContent = t("signin.submitting");
    try {
      const signedIn = await ctx.commands.signIn({
        server: server.input.value.trim(),
        appKey: appKey.input.value.trim(),
        account: account.input.value.trim(),
        token: token.input.value,
        tlsCaFile: ca.path(),
        insecure: insecure.checked,
      });
      ctx.signedIn.set(signedIn);
      token.input.value = "";
    } catch (e) {
      showError(e);
    } finally {
      submit.disabled = false;
      submit.textContent = t("signin.submit");
    }
  });
  const showError = (e: unknown) => {
    error.textContent = signInErrorText(e);
  };
  if (ctx.bootstrap.signInError) showError(ctx.bootstrap.signInError);
  return { root: h("section", { class: "screen signin-screen" }, form), showError };
}

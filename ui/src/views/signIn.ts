// The sign-in form: server (empty: the embedded one), appKey, account, token.
import { errorText } from "../backend/commands";
import type { AppContext } from "../app/context";
import { h, localize } from "../app/dom";
import { t, type I18nKey } from "../i18n/i18n";

export function signInView(ctx: AppContext): HTMLElement {
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
  const submit = h("button", { type: "submit", class: "btn btn-primary btn-block", testid: "signin-submit" });
  localize(submit, () => t("signin.submit"));
  const error = h("p", { class: "form-error", role: "alert" });

  const form = h(
    "form",
    { class: "signin-card", testid: "signin-form" },
    h("div", { class: "brand" }, h("div", { class: "brand-mark" }, "D"), h("div", { class: "brand-name" }, "Duet")),
    localize(h("h1"), () => t("signin.title")),
    localize(h("p", { class: "muted" }), () => t("signin.subtitle")),
    server.label, appKey.label, account.label, token.label,
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
      });
      ctx.signedIn.set(signedIn);
      token.input.value = "";
    } catch (e) {
      error.textContent = t("signin.failed", { message: errorText(e) });
    } finally {
      submit.disabled = false;
      submit.textContent = t("signin.submit");
    }
  });
  return h("section", { class: "screen signin-screen" }, form);
}

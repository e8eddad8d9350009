// The sign-in form's choice of an extra CA certificate (PEM) for a server with a private CA.
// A webview never learns a chosen file's path, so the page reads the file and hands its text to
// the backend (`import_ca`), which keeps a copy and answers with the copy's path: that path is
// what sign_in takes and what the form remembers.
import type { AppContext } from "../app/context";
import { h, localize, setText } from "../app/dom";
import { localError } from "../format/errorText";
import { t } from "../i18n/i18n";

export type CaFileChoice = {
  root: HTMLElement;
  /** The chosen copy's path, or null for the system's roots only. */
  path(): string | null;
};

/** The last part of a path, for showing which file is chosen. */
export function fileNameOf(path: string): string {
  return path.split(/[/\\]/).pop() || path;
}

function readText(file: File): Promise<string> {
  if (typeof file.text === "function") return file.text();
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result ?? ""));
    reader.onerror = () => reject(reader.error);
    reader.readAsText(file);
  });
}

export function caFileChoice(ctx: AppContext, remembered: string | null, onError: (text: string, detail: string) => void): CaFileChoice {
  let chosen = remembered;
  const input = h("input", { type: "file", accept: ".pem,.crt,.cer", testid: "signin-ca-file", class: "visually-hidden" });
  const choose = localize(h("button", { type: "button", class: "btn btn-sm btn-ghost", testid: "signin-ca-choose" }), () => t("signin.caChoose"));
  const name = h("span", { class: "ca-name", testid: "signin-ca-name" });
  const clear = localize(h("button", { type: "button", class: "btn btn-sm", testid: "signin-ca-clear" }), () => t("signin.caClear"));

  const nameText = () => (chosen ? fileNameOf(chosen) : t("signin.caNone"));
  localize(name, nameText); // again on a language switch
  const render = () => {
    setText(name, nameText());
    name.title = chosen ?? "";
    clear.hidden = chosen === null;
  };
  render();

  choose.addEventListener("click", () => input.click());
  clear.addEventListener("click", () => {
    chosen = null;
    render();
  });
  input.addEventListener("change", async () => {
    const file = input.files?.[0];
    if (!file) return;
    try {
      chosen = await ctx.commands.importCa(file.name, await readText(file));
    } catch (e) {
      onError(t("signin.caFailed"), localError(e).detail);
    } finally {
      // Choosing the same file again must fire `change` again.
      input.value = "";
      render();
    }
  });

  const root = h("div", { class: "field" },
    localize(h("span"), () => t("signin.caFile")),
    h("div", { class: "ca-choice" }, choose, name, clear, input));
  return { root, path: () => chosen };
}

// Short messages at the bottom of the window (call outcomes from `call-event`, command errors).
import { h } from "./dom";

const SHOW_MS = 3500;
/** More at once would cover the page; the oldest go first. */
const MAX_SHOWN = 3;

export class Toasts {
  readonly root = h("div", { class: "toasts", role: "status", "aria-live": "polite" });

  /** `detail`: the backend's own words for an error, kept as the toast's tooltip. */
  show(text: string, kind: "info" | "error" = "info", detail = ""): void {
    const toast = h("div", { class: `toast toast-${kind}`, title: detail || null }, text);
    this.root.append(toast);
    while (this.root.childElementCount > MAX_SHOWN) this.root.firstElementChild?.remove();
    setTimeout(() => toast.remove(), SHOW_MS);
  }
}

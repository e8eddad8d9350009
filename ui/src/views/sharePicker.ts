// The screen-share picker: a dialog over the call screen with a live thumbnail of every screen and
// window (docs/app.md, Screen sharing). While it is open it asks the backend for the targets and
// one thumbnail each once a second (a grab of a small picture each: cheap, and nothing runs while
// it is closed). "Share" (or a double click) shares the chosen one; Cancel or Escape closes it.
import type { AppContext } from "../app/context";
import { h, localize, setChildren, setText } from "../app/dom";
import { groupTargets, keepChoice, targetName } from "../app/screenShare";
import type { ShareTarget, Thumbnail } from "../backend/contract";
import { t } from "../i18n/i18n";

/** How often the thumbnails refresh while the picker is open. */
export const REFRESH_MS = 1000;
/** The thumbnails' largest size, device pixels (the cards show them at 200x112 CSS pixels). */
const THUMB_W = 320;
const THUMB_H = 180;

export type SharePicker = { root: HTMLElement; open(): void; close(): void; isOpen(): boolean };

/** Draws a thumbnail's pixels (base64 RGBA from the backend) on its card's canvas, and marks the
 * canvas drawn (`data-drawn`). Pixels, not an image URL: the page's CSP loads no `data:` images. */
export function drawThumbnail(canvas: HTMLCanvasElement, thumb: Thumbnail): void {
  const bytes = Uint8ClampedArray.from(atob(thumb.rgba), (c) => c.charCodeAt(0));
  if (thumb.width < 1 || thumb.height < 1 || bytes.length !== thumb.width * thumb.height * 4) return;
  canvas.width = thumb.width;
  canvas.height = thumb.height;
  const context = canvas.getContext("2d");
  if (!context) return;
  context.putImageData(new ImageData(bytes, thumb.width, thumb.height), 0, 0);
  canvas.dataset.drawn = "true";
}

/** Drops the entries of `byId` whose target is no longer listed. */
function forgetGone<T>(byId: Map<string, T>, targets: ShareTarget[]): void {
  for (const id of byId.keys()) if (!targets.some((x) => x.id === id)) byId.delete(id);
}

export function sharePicker(ctx: AppContext): SharePicker {
  let targets: ShareTarget[] = [];
  let chosen: string | null = null;
  let timer: ReturnType<typeof setInterval> | null = null;
  /** Thumbnails by target id: kept across refreshes so a card never flashes empty. */
  const thumbs = new Map<string, Thumbnail>();
  const screens = h("div", { class: "share-grid", testid: "share-screens" });
  const windows = h("div", { class: "share-grid", testid: "share-windows" });
  const screensTitle = localize(h("h3", { class: "share-section" }), () => t("share.screens"));
  const windowsTitle = localize(h("h3", { class: "share-section" }), () => t("share.windows"));
  const empty = localize(h("p", { class: "share-empty", testid: "share-empty", hidden: true }), () => t("share.none"));
  const cancel = localize(h("button", { type: "button", class: "btn btn-ghost", testid: "share-cancel" }), () => t("share.cancel"));
  const start = localize(h("button", { type: "button", class: "btn btn-primary", testid: "share-start" }), () => t("share.start"));
  const title = localize(h("h2", { class: "share-title", id: "share-title" }), () => t("share.pickerTitle"));
  const root = h("div", { class: "share-backdrop", testid: "share-picker", hidden: true },
    h("div", { class: "share-dialog", role: "dialog", "aria-modal": "true", "aria-labelledby": "share-title" },
      title, screensTitle, screens, windowsTitle, windows, empty,
      h("div", { class: "share-actions" }, cancel, start)));

  /** Cards by target id, kept across refreshes: a card rebuilt under a press loses its click. */
  const cards = new Map<string, { button: HTMLButtonElement; name: HTMLElement }>();

  const card = (target: ShareTarget, name: string) => {
    let kept = cards.get(target.id);
    if (!kept) {
      const img = h("canvas", { class: "share-thumb", testid: "share-thumb" });
      const thumb = thumbs.get(target.id);
      if (thumb) drawThumbnail(img, thumb);
      const label = h("div", { class: "share-name" });
      const button = h("button", {
        type: "button", class: "share-card", testid: "share-target", "data-id": target.id,
        "data-kind": target.kind,
      }, h("div", { class: "share-thumb-box" }, img), label);
      button.addEventListener("click", () => {
        chosen = target.id;
        render();
      });
      button.addEventListener("dblclick", () => {
        chosen = target.id;
        share();
      });
      kept = { button, name: label };
      cards.set(target.id, kept);
    }
    kept.button.setAttribute("aria-pressed", String(target.id === chosen));
    kept.button.title = name;
    setText(kept.name, name);
    return kept.button;
  };

  const render = () => {
    const groups = groupTargets(targets);
    forgetGone(cards, targets);
    setChildren(screens, groups.screens.map((s) => card(s, targetName(s, groups, t))));
    setChildren(windows, groups.windows.map((w) => card(w, targetName(w, groups, t))));
    screensTitle.hidden = screens.hidden = groups.screens.length === 0;
    windowsTitle.hidden = windows.hidden = groups.windows.length === 0;
    empty.hidden = targets.length > 0;
    start.disabled = chosen === null;
  };

  const refresh = async () => {
    // A failed listing (no display at all) is said in the dialog, not as an error toast each second.
    const listed = await ctx.commands.shareTargets().catch(() => [] as ShareTarget[]);
    if (!isOpen()) return;
    targets = listed;
    chosen = keepChoice(chosen, targets);
    forgetGone(thumbs, targets);
    render();
    // The portal's card (Wayland) has no picture: the desktop's own dialog previews its choices.
    await Promise.all(targets.filter((target) => target.kind !== "portal").map(async (target) => {
      // A window that closed between the listing and its grab just keeps its last picture.
      const thumb = await ctx.commands.shareThumbnail(target.id, THUMB_W, THUMB_H).catch(() => null);
      if (!thumb || !isOpen()) return;
      thumbs.set(target.id, thumb);
      const canvas = cards.get(target.id)?.button.querySelector("canvas");
      if (canvas) drawThumbnail(canvas, thumb);
    }));
  };

  const share = () => {
    const target = chosen;
    if (target === null) return;
    close();
    ctx.run(ctx.commands.startScreenShare(target));
  };

  const onKey = (e: KeyboardEvent) => {
    if (e.key !== "Escape" || !isOpen()) return;
    // Escape closes the picker, not the call screen's full screen behind it.
    e.stopImmediatePropagation();
    e.preventDefault();
    close();
  };

  function isOpen() {
    return !root.hidden;
  }

  function close() {
    root.hidden = true;
    if (timer) clearInterval(timer);
    timer = null;
    document.removeEventListener("keydown", onKey, true);
  }

  cancel.addEventListener("click", close);
  start.addEventListener("click", share);
  // A click on the backdrop (outside the dialog) cancels, as Escape does.
  root.addEventListener("click", (e) => {
    if (e.target === root) close();
  });

  return {
    root,
    open() {
      if (isOpen()) return;
      root.hidden = false;
      chosen = null;
      targets = [];
      render();
      document.addEventListener("keydown", onKey, true);
      void refresh();
      timer = setInterval(() => void refresh(), REFRESH_MS);
      cancel.focus();
    },
    close,
    isOpen,
  };
}

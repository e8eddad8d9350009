// Screen sharing's page rules, pure so they are unit-tested: how the picker groups and names the
// targets, which target stays chosen while the list refreshes, how a share that ended by itself
// is said, and where the camera inset may be dragged over a shared screen.
import type { ShareTarget } from "../backend/contract";
import type { I18nKey } from "../i18n/i18n";

export type TargetGroups = { screens: ShareTarget[]; windows: ShareTarget[] };

/** Screens first (with the Wayland desktop's own dialog, kind "portal"), then windows, each in
 * the backend's order. */
export function groupTargets(targets: readonly ShareTarget[]): TargetGroups {
  return {
    screens: targets.filter((t) => t.kind === "screen" || t.kind === "portal"),
    windows: targets.filter((t) => t.kind === "window"),
  };
}

/** A card's name: screens are numbered ("Entire screen 1"), windows keep their title, and the
 * portal says the desktop will ask. */
export function targetName(
  target: ShareTarget, groups: TargetGroups, tr: (key: I18nKey, vars?: Record<string, string>) => string,
): string {
  if (target.kind === "portal") return tr("share.portal");
  if (target.kind === "screen") {
    return tr("share.entireScreen", { n: String(groups.screens.indexOf(target) + 1) });
  }
  return target.title.trim() || tr("share.untitled");
}

/** The choice after a refresh: kept while its target is still listed, else nothing. */
export function keepChoice(chosen: string | null, targets: readonly ShareTarget[]): string | null {
  return chosen !== null && targets.some((t) => t.id === chosen) ? chosen : null;
}

/** Why this user's share ended by itself, from the SDK's English `reason`, in the user's words:
 * a known cause gets its own sentence, anything else is shown as it came. */
export function shareEndKey(reason: string): I18nKey {
  const r = reason.toLowerCase();
  if (r.includes("minimi") || r.includes("hidden") || r.includes("unmapped")) return "share.end.minimised";
  if (r.includes("window was closed") || r.includes("no window")) return "share.end.closed";
  if (r.includes("portal") || r.includes("refused") || r.includes("denied") || r.includes("unsupported")) {
    return "share.end.refused";
  }
  if (r.includes("display") || r.includes("x protocol") || r.includes("connection to the x server")) {
    return "share.end.display";
  }
  return "share.end.other";
}

export type Box = { x: number; y: number; width: number; height: number };

/** Margin between the camera inset and the stage's edges, CSS pixels. */
export const INSET_MARGIN = 12;

/** The inset's top-left corner moved to (`x`, `y`), kept wholly inside the stage with the margin
 * (an inset larger than the stage sticks to its top-left corner). */
export function clampInset(x: number, y: number, inset: { width: number; height: number }, stage: { width: number; height: number }) {
  const maxX = Math.max(INSET_MARGIN, stage.width - inset.width - INSET_MARGIN);
  const maxY = Math.max(INSET_MARGIN, stage.height - inset.height - INSET_MARGIN);
  return {
    x: Math.min(Math.max(x, INSET_MARGIN), maxX),
    y: Math.min(Math.max(y, INSET_MARGIN), maxY),
  };
}

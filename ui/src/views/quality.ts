// The network quality indicator: four bars and a label, from the `stats` events' `quality`. The
// backend grades `unknown` while no media arrives: "Connecting…" for the first reports of a call,
// "No media" once it goes on (neither side sends anything, or the path stopped carrying it). While
// the media path is being mended after the network changed or went away (`reconnecting`), the
// label says "Reconnecting…" whatever the grade.
import { h, localize, setText } from "../app/dom";
import type { Quality } from "../backend/types";
import { t, type I18nKey } from "../i18n/i18n";

const BARS: Record<Quality, number> = { excellent: 4, good: 3, poor: 2, bad: 1, unknown: 0 };

/** Reports of `unknown` before the label says "No media" rather than "Connecting…". */
export const CONNECTING_REPORTS = 3;

/** The label of `quality` after `reports` statistics reports of this call. */
export function qualityLabel(quality: Quality, reports: number, reconnecting = false): I18nKey {
  if (reconnecting) return "quality.reconnecting";
  if (quality !== "unknown") return `quality.${quality}`;
  return reports < CONNECTING_REPORTS ? "quality.unknown" : "quality.noMedia";
}

export function qualityIndicator(): {
  root: HTMLElement;
  set(quality: Quality, reports: number, reconnecting?: boolean): void;
} {
  const bars = [1, 2, 3, 4].map((n) => h("span", { class: `bar bar-${n}` }));
  const label = h("span", { class: "quality-label" });
  const root = h("div", { class: "quality", testid: "network-quality", "data-quality": "unknown" },
    h("span", { class: "bars" }, ...bars), label);
  let current: I18nKey = "quality.unknown";
  localize(label, () => t(current));
  return {
    root,
    set(quality, reports, reconnecting = false) {
      current = qualityLabel(quality, reports, reconnecting);
      root.dataset.quality = reconnecting ? "reconnecting" : quality;
      bars.forEach((bar, i) => bar.classList.toggle("lit", i < BARS[quality]));
      setText(label, t(current));
    },
  };
}

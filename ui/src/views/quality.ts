// The network quality indicator: four bars and a label, from the `stats` events' `quality`.
import { h, localize } from "../app/dom";
import type { Quality } from "../backend/types";
import { t } from "../i18n/i18n";

const BARS: Record<Quality, number> = { excellent: 4, good: 3, poor: 2, bad: 1, unknown: 0 };

export function qualityIndicator(): { root: HTMLElement; set(quality: Quality): void } {
  const bars = [1, 2, 3, 4].map((n) => h("span", { class: `bar bar-${n}` }));
  const label = h("span", { class: "quality-label" });
  const root = h("div", { class: "quality", testid: "network-quality", "data-quality": "unknown" },
    h("span", { class: "bars" }, ...bars), label);
  let current: Quality = "unknown";
  localize(label, () => t(`quality.${current}`));
  return {
    root,
    set(quality) {
      current = quality;
      root.dataset.quality = quality;
      bars.forEach((bar, i) => bar.classList.toggle("lit", i < BARS[quality]));
      label.textContent = t(`quality.${quality}`);
    },
  };
}

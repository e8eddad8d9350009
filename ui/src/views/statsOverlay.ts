// The statistics overlay of the call screen (settings.debug): link figures from `stats` events and
// the page's own paint latency.
import { h, localize, setText } from "../app/dom";
import type { CallStats } from "../backend/types";
import { percentile, type DuetDebug } from "../frames/debug";
import { t, type I18nKey } from "../i18n/i18n";

export function statsOverlay(debug: DuetDebug): { root: HTMLElement; set(stats: CallStats | null): void } {
  const rows: [I18nKey, HTMLElement][] = (
    ["stats.rtt", "stats.loss", "stats.jitter", "stats.send", "stats.recv", "stats.fps", "stats.resolution", "stats.paint"] as I18nKey[]
  ).map((key) => [key, h("dd")]);
  const root = h("div", { class: "stats-overlay", testid: "stats-overlay" },
    localize(h("div", { class: "stats-title" }), () => t("stats.title")),
    h("dl", {}, ...rows.flatMap(([key, value]) => [localize(h("dt"), () => t(key)), value])));
  const values = new Map(rows);
  const put = (key: I18nKey, text: string) => {
    const el = values.get(key);
    if (el) setText(el, text);
  };
  return {
    root,
    set(stats) {
      const dash = "–";
      put("stats.rtt", stats?.rttMs != null ? `${Math.round(stats.rttMs)} ms` : dash);
      put("stats.loss", stats ? `${stats.lossPct.toFixed(1)} %` : dash);
      put("stats.jitter", stats ? `${Math.round(stats.jitterMs)} ms` : dash);
      put("stats.send", stats ? `${Math.round(stats.sendKbps)} kbps` : dash);
      put("stats.recv", stats ? `${Math.round(stats.recvKbps)} kbps` : dash);
      put("stats.fps", stats ? `${Math.round(stats.fps)}` : dash);
      put("stats.resolution", stats && stats.width > 0 ? `${stats.width}×${stats.height}` : dash);
      const p50 = percentile(debug.paintLatencyMs, 50);
      const p95 = percentile(debug.paintLatencyMs, 95);
      put("stats.paint", p50 === null || p95 === null ? dash : `${p50.toFixed(1)} / ${p95.toFixed(1)} ms`);
    },
  };
}

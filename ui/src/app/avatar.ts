// A round avatar with the name's first character on a colour derived from the account.
import { h } from "./dom";

const HUES = [210, 160, 280, 20, 340, 190, 45, 250];

export function avatar(account: string, name: string, size: "sm" | "md" | "lg" = "md"): HTMLElement {
  let hash = 0;
  for (const ch of account) hash = (hash * 31 + ch.codePointAt(0)!) >>> 0; // non-null: ch is one code point
  const hue = HUES[hash % HUES.length];
  const initial = [...(name || account || "?")][0].toUpperCase();
  const el = h("div", { class: `avatar avatar-${size}` }, initial);
  el.style.background = `linear-gradient(135deg, hsl(${hue} 70% 58%), hsl(${(hue + 30) % 360} 70% 46%))`;
  return el;
}

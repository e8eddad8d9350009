// The live locale: every text on the page goes through t(); views re-render on change().
import { en } from "./en";
import { zh, type I18nKey } from "./zh";
import type { Locale } from "../backend/types";

export type { I18nKey };
export const TABLES: Record<Locale, Record<I18nKey, string>> = { zh, en };

type Listener = (locale: Locale) => void;

let current: Locale = "en";
const listeners = new Set<Listener>();

export function locale(): Locale {
  return current;
}

export function setLocale(next: Locale): void {
  if (next === current) return;
  current = next;
  if (typeof document !== "undefined") document.documentElement.lang = next === "zh" ? "zh-CN" : "en";
  for (const listener of listeners) listener(next);
}

/** Calls `listener` whenever the locale changes; returns the unsubscribe function. */
export function onLocaleChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The text for `key` in the current locale, with `{name}` placeholders filled from `vars`. */
export function t(key: I18nKey, vars: Record<string, string | number> = {}): string {
  return translate(current, key, vars);
}

export function translate(
  loc: Locale,
  key: I18nKey,
  vars: Record<string, string | number> = {},
): string {
  const template = TABLES[loc][key] ?? TABLES.en[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in vars ? String(vars[name]) : whole,
  );
}

/**
 * The locale the settings ask for. "auto" follows the OS; the backend reports the OS locale only at
 * bootstrap, so after a live switch back to "auto" the webview's language (which WebKitGTK takes from
 * the OS) decides.
 */
export function resolveLocale(setting: "auto" | Locale, systemLanguage: string): Locale {
  if (setting !== "auto") return setting;
  return systemLanguage.toLowerCase().startsWith("zh") ? "zh" : "en";
}

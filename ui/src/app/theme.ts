// Light or dark: the user's choice (Settings > Appearance), "system" following the OS's
// preference live. The effective theme goes to <html data-theme>, which base.css styles.
import type { Theme } from "../backend/types";

export type EffectiveTheme = "light" | "dark";

export function effectiveTheme(choice: Theme, systemDark: boolean): EffectiveTheme {
  if (choice === "system") return systemDark ? "dark" : "light";
  return choice;
}

/** Keeps `root.dataset.theme` right for the latest choice and, under "system", the OS's changes. */
export function themeFollower(root: HTMLElement, systemDark: MediaQueryList | null): { set(choice: Theme): void } {
  let choice: Theme = "system";
  const apply = () => {
    root.dataset.theme = effectiveTheme(choice, systemDark?.matches ?? false);
  };
  systemDark?.addEventListener("change", apply);
  apply();
  return {
    set(next) {
      choice = next;
      apply();
    },
  };
}

import { describe, expect, it } from "vitest";
import { en } from "../src/i18n/en";
import { zh } from "../src/i18n/zh";
import { locale, onLocaleChange, resolveLocale, setLocale, t, translate } from "../src/i18n/i18n";

describe("string tables", () => {
  it("have exactly the same keys, none empty", () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(zh).sort());
    for (const table of [en, zh]) {
      for (const [key, value] of Object.entries(table)) expect(value.trim(), key).not.toBe("");
    }
  });

  it("use the same placeholders in both languages", () => {
    const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const key of Object.keys(zh) as (keyof typeof zh)[]) expect(names(en[key]), key).toEqual(names(zh[key]));
  });

  it("Chinese entries are really Chinese (except names and shortcut texts)", () => {
    const latinOnly = Object.entries(zh).filter(([, v]) => !/[\u4e00-\u9fff]/.test(v)).map(([k]) => k);
    expect(latinOnly.sort()).toEqual(["app.name", "signin.appKey"]);
  });
});

describe("t and the live locale", () => {
  it("fills placeholders and leaves unknown ones visible", () => {
    expect(translate("en", "contacts.added", { name: "bob" })).toBe("Added bob");
    expect(translate("zh", "contacts.added", { name: "bob" })).toBe("已添加 bob");
    expect(translate("en", "contacts.added")).toBe("Added {name}");
  });

  it("switches live and notifies subscribers", () => {
    const seen: string[] = [];
    const off = onLocaleChange((l) => seen.push(l));
    setLocale("zh");
    expect(locale()).toBe("zh");
    expect(t("nav.history")).toBe("通话记录");
    setLocale("zh"); // no change, no notification
    setLocale("en");
    expect(t("nav.history")).toBe("History");
    off();
    setLocale("zh");
    expect(seen).toEqual(["zh", "en"]);
    setLocale("en");
  });

  it("resolves auto from the system language", () => {
    expect(resolveLocale("auto", "zh-CN")).toBe("zh");
    expect(resolveLocale("auto", "zh-TW")).toBe("zh");
    expect(resolveLocale("auto", "en-US")).toBe("en");
    expect(resolveLocale("auto", "de-DE")).toBe("en");
    expect(resolveLocale("zh", "en-US")).toBe("zh");
  });
});

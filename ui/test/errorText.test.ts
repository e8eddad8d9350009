// Every error the backend can reject with is said in the user's language (src/format/errorText.ts),
// with the backend's English detail kept aside for the tooltip.
import { afterEach, describe, expect, it } from "vitest";
import { ERROR_CODES } from "../src/backend/contract";
import { ERROR_KEYS, localError } from "../src/format/errorText";
import { setLocale, TABLES } from "../src/i18n/i18n";

afterEach(() => setLocale("en"));

describe("command errors in the user's language", () => {
  it("has an English and a Chinese sentence for every code the backend gives, and no other", () => {
    expect(Object.keys(ERROR_KEYS).sort()).toEqual([...ERROR_CODES].sort());
    for (const code of ERROR_CODES) {
      const key = ERROR_KEYS[code];
      const en = TABLES.en[key];
      const zh = TABLES.zh[key];
      expect(en, code).toMatch(/\S/);
      expect(zh, code).toMatch(/\S/);
      expect(zh, `${code} is translated`).not.toBe(en);
      // A sentence, not a code: no snake_case identifiers.
      expect(en, code).not.toMatch(/_/);
      expect(en, code).toMatch(/^[A-Z].*\.$/);
    }
  });

  it("says the code's sentence and keeps the raw message as the detail", () => {
    const error = { code: "cannot_connect", message: "cannot connect to ws://10.0.0.1:9000: refused" };
    expect(localError(error)).toEqual({
      text: "Cannot reach the server.",
      detail: "cannot_connect: cannot connect to ws://10.0.0.1:9000: refused",
    });
    setLocale("zh");
    expect(localError(error).text).toBe("无法连接到服务器。");
  });

  it("says something sensible for an unknown code or a thrown non-error", () => {
    expect(localError({ code: "new_in_a_later_backend", message: "x" }).text).toBe("Something went wrong.");
    expect(localError({ code: "toString", message: "x" }).text).toBe("Something went wrong.");
    expect(localError(new TypeError("boom"))).toEqual({ text: "Something went wrong.", detail: "boom" });
    expect(localError("plain")).toEqual({ text: "Something went wrong.", detail: "plain" });
  });
});

import { describe, expect, it } from "vitest";
import { callDuration, formatDuration } from "../src/format/duration";
import { historyStatusKey } from "../src/format/historyStatus";
import { translate } from "../src/i18n/i18n";
import type { HistoryStatus } from "../src/backend/types";

describe("formatDuration", () => {
  it("shows mm:ss under an hour and h:mm:ss from an hour on", () => {
    expect(formatDuration(0)).toBe("00:00");
    expect(formatDuration(999)).toBe("00:00");
    expect(formatDuration(1000)).toBe("00:01");
    expect(formatDuration(65_000)).toBe("01:05");
    expect(formatDuration(59 * 60_000 + 59_999)).toBe("59:59");
    expect(formatDuration(3_600_000)).toBe("1:00:00");
    expect(formatDuration(3_600_000 + 61_000)).toBe("1:01:01");
  });

  it("shows 00:00 for negative or non-finite input (clock skew, missing data)", () => {
    expect(formatDuration(-5000)).toBe("00:00");
    expect(formatDuration(Number.NaN)).toBe("00:00");
  });

  it("counts from answeredAtMs", () => {
    expect(callDuration(null, 10_000)).toBe("00:00");
    expect(callDuration(1_000_000, 1_000_000 + 125_400)).toBe("02:05");
  });
});

describe("history status texts", () => {
  const text = (status: HistoryStatus, incoming: boolean, loc: "zh" | "en") =>
    translate(loc, historyStatusKey({ status, incoming }));

  it("are nertc-call's Chinese texts by side", () => {
    expect([1, 2, 3, 4, 5].map((s) => text(s as HistoryStatus, true, "zh"))).toEqual([
      "已完成", "对方已取消", "已拒绝", "未接听", "未接听",
    ]);
    expect([1, 2, 3, 4, 5].map((s) => text(s as HistoryStatus, false, "zh"))).toEqual([
      "已完成", "已取消", "对方已拒绝", "未接听", "对方忙线",
    ]);
  });

  it("have the contract's English by side", () => {
    expect([1, 2, 3, 4, 5].map((s) => text(s as HistoryStatus, true, "en"))).toEqual([
      "Completed", "Caller canceled", "Declined", "Unanswered", "Unanswered",
    ]);
    expect([1, 2, 3, 4, 5].map((s) => text(s as HistoryStatus, false, "en"))).toEqual([
      "Completed", "Canceled", "Callee declined", "Unanswered", "Callee busy",
    ]);
  });
});

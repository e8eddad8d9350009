// Start times in the history list: time only for today, date and time otherwise.
import type { Locale } from "../backend/types";

export function formatStartTime(epochMs: number, nowMs: number, loc: Locale): string {
  const date = new Date(epochMs);
  const now = new Date(nowMs);
  const tag = loc === "zh" ? "zh-CN" : "en-GB";
  const time = date.toLocaleTimeString(tag, { hour: "2-digit", minute: "2-digit" });
  if (date.toDateString() === now.toDateString()) return time;
  const day = date.toLocaleDateString(tag, { month: "short", day: "numeric" });
  return `${day} ${time}`;
}

// The popup's keys. They reach the popup only once the user has moved to it: it never takes the
// keyboard focus when it appears (docs/app.md, Incoming calls). Even then a bare Enter does
// nothing, so keys meant for another window cannot answer a call: Alt+A accepts (as the invite's
// type), Esc declines, Alt+S silences the ringtone.
import type { CallType, Invite } from "../backend/types";

export type PopupAction = { kind: "accept"; callType: CallType } | { kind: "decline" } | { kind: "silence" };

export type PopupKey = Pick<KeyboardEvent, "key" | "altKey" | "ctrlKey" | "metaKey" | "shiftKey">;

export function popupKeyAction(key: PopupKey, invite: Invite | null): PopupAction | null {
  if (!invite) return null;
  const others = key.ctrlKey || key.metaKey || key.shiftKey;
  if (others) return null;
  const letter = key.key.length === 1 ? key.key.toLowerCase() : key.key;
  if (key.altKey && letter === "a") return { kind: "accept", callType: invite.callType };
  if (key.altKey && letter === "s") return { kind: "silence" };
  if (!key.altKey && letter === "Escape") return { kind: "decline" };
  return null;
}

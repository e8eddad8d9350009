// The popup's keys: Enter accepts (as the invite's type), Escape declines.
import type { CallType, Invite } from "../backend/types";

export type PopupAction = { kind: "accept"; callType: CallType } | { kind: "decline" };

export function popupKeyAction(key: Pick<KeyboardEvent, "key">, invite: Invite | null): PopupAction | null {
  if (!invite) return null;
  if (key.key === "Enter") return { kind: "accept", callType: invite.callType };
  if (key.key === "Escape") return { kind: "decline" };
  return null;
}

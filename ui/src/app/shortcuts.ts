// Main-window keyboard shortcuts: Ctrl+Enter accept (ringing), Escape decline/cancel (or leave full
// screen in a call), Ctrl+E hang up, Ctrl+M mute. The mapping is pure; installShortcuts wires it to keydown.
import type { AppState, CallType } from "../backend/types";

export type ShortcutAction =
  | { kind: "accept"; callType: CallType }
  | { kind: "reject" }
  | { kind: "cancel" }
  | { kind: "hangup" }
  | { kind: "mute"; muted: boolean }
  | { kind: "leaveFullscreen" };

export type KeyPress = Pick<KeyboardEvent, "key" | "ctrlKey" | "metaKey" | "altKey" | "shiftKey">;

export function shortcutAction(key: KeyPress, state: AppState, fullscreen = false): ShortcutAction | null {
  const ctrl = key.ctrlKey || key.metaKey;
  const letter = key.key.length === 1 ? key.key.toLowerCase() : key.key;
  if (key.altKey) return null;
  if (ctrl && letter === "Enter" && state.status === "ringing" && state.invite) {
    return { kind: "accept", callType: state.invite.callType };
  }
  if (!ctrl && letter === "Escape") {
    if (state.status === "ringing") return { kind: "reject" };
    if (state.status === "calling") return { kind: "cancel" };
    return fullscreen ? { kind: "leaveFullscreen" } : null;
  }
  if (ctrl && letter === "e") {
    if (state.status === "in_call") return { kind: "hangup" };
    if (state.status === "calling") return { kind: "cancel" };
    return null;
  }
  if (ctrl && letter === "m" && state.call && (state.status === "in_call" || state.status === "calling")) {
    // A microphone that does not work stays muted, as its disabled button says.
    if (state.call.devices.microphone !== "ok") return null;
    return { kind: "mute", muted: !state.call.muted };
  }
  return null;
}

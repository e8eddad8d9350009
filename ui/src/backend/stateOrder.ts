// Which app-state a window keeps when two cross: the backend numbers every state it publishes, and
// an `app-state` event can overtake a `bootstrap` reply (or the reverse).
import type { AppState } from "./types";

/** Whether `incoming` was published after `shown` (always, when nothing is shown yet). */
export function isNewerState(incoming: AppState, shown: AppState | null): boolean {
  return shown === null || incoming.revision > shown.revision;
}

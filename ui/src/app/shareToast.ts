// The toasts of screen sharing (docs/app.md, Screen sharing): the peer started or stopped sharing,
// or this user's share ended by itself (window closed or minimised, display gone, refused), with
// the reason in the user's words. A share this user started or stopped is shown by the sharing
// bar and the button, so it gets no toast.
import type { AppState, CallEvent } from "../backend/types";
import { t } from "../i18n/i18n";
import { shareEndKey } from "./screenShare";

export function shareToast(e: CallEvent, state: AppState | null): string | null {
  if (e.event !== "SCREEN_SHARE_STARTED" && e.event !== "SCREEN_SHARE_STOPPED") return null;
  const call = state?.call;
  const name = call ? call.peerNick || call.peer : "";
  if (e.remote === true) {
    return t(e.event === "SCREEN_SHARE_STARTED" ? "toast.shareRemoteStarted" : "toast.shareRemoteStopped", { name });
  }
  if (e.event === "SCREEN_SHARE_STOPPED" && typeof e.reason === "string" && e.reason !== "") {
    const why = t(shareEndKey(e.reason), { reason: e.reason });
    return t("toast.shareEnded", { why });
  }
  return null;
}

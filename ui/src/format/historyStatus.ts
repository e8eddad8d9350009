// nertc-call's history status texts, chosen by the viewer's side (docs/app-interface.md).
import type { HistoryRecord } from "../backend/types";
import type { I18nKey } from "../i18n/i18n";

/** The string-table key of a record's status text: `incoming` true means the viewer was the callee. */
export function historyStatusKey(record: Pick<HistoryRecord, "status" | "incoming">): I18nKey {
  const { status, incoming } = record;
  switch (status) {
    case 1:
      return "history.status.completed";
    case 2:
      return incoming ? "history.status.peerCanceled" : "history.status.canceled";
    case 3:
      return incoming ? "history.status.declined" : "history.status.peerDeclined";
    case 4:
      return "history.status.unanswered";
    case 5:
      return incoming ? "history.status.unanswered" : "history.status.peerBusy";
    default:
      // A status this page does not know yet (a newer backend): say nothing wrong rather than guess.
      return "history.status.unanswered";
  }
}

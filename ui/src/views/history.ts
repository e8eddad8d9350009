// Call history, newest first, with nertc-call's status texts by the viewer's side and call back.
import type { AppContext } from "../app/context";
import { avatar } from "../app/avatar";
import { h, icon, localize } from "../app/dom";
import { ICONS } from "../app/icons";
import { NewestRequest } from "../app/newest";
import type { HistoryRecord } from "../backend/types";
import { formatDuration } from "../format/duration";
import { historyStatusKey } from "../format/historyStatus";
import { formatStartTime } from "../format/time";
import { locale, t } from "../i18n/i18n";

export type HistoryView = { root: HTMLElement; reload(): Promise<void> };

export function historyView(ctx: AppContext): HistoryView {
  const list = h("ul", { class: "history-list" });
  const root = h(
    "section",
    { class: "page history-page" },
    h("header", { class: "page-header" }, localize(h("h2"), () => t("history.title"))),
    list,
  );

  const row = (record: HistoryRecord, nicks: Map<string, string>) => {
    const name = nicks.get(record.peer) || record.peer;
    const failed = record.status !== 1;
    const callBack = h("button", { type: "button", class: "icon-btn", testid: `history-call-back` },
      icon(record.call_type === 2 ? ICONS.video : ICONS.phone));
    localize(callBack, () => t("history.callBack"), "title");
    localize(callBack, () => t("history.callBack"), "aria-label");
    callBack.addEventListener("click", () => ctx.run(ctx.commands.call(record.peer, record.call_type)));
    const direction = h("span", { class: `direction ${failed ? "direction-failed" : ""}` },
      icon(record.incoming ? ICONS.arrowIn : ICONS.arrowOut));
    localize(direction, () => t(record.incoming ? "history.incoming" : "history.outgoing"), "title");
    return h(
      "li",
      { class: "history-row", testid: "history-row", "data-status": record.status, "data-call-id": record.call_id },
      avatar(record.peer, name),
      h("div", { class: "row-main" },
        h("div", { class: "row-title" }, name),
        h("div", { class: "row-sub" },
          direction,
          localize(h("span", { class: `history-status ${failed ? "status-failed" : ""}`, testid: "history-status" }),
            () => t(historyStatusKey(record))),
          localize(h("span", { class: "history-type" }), () => ` · ${t(record.call_type === 2 ? "call.video" : "call.audio")}`),
          record.status === 1 ? h("span", { class: "history-duration" }, ` · ${formatDuration(record.duration_ms)}`) : null)),
      localize(h("time", { class: "history-time" }), () => formatStartTime(record.started_at_ms, Date.now(), locale())),
      callBack,
    );
  };

  const reloads = new NewestRequest();
  return {
    root,
    async reload() {
      const current = reloads.begin();
      // Records carry accounts; contacts give the names to show (an unknown peer shows its account).
      const records = await ctx.run(ctx.commands.history());
      if (!records || !current()) return;
      const nicks = new Map(ctx.state.get().contacts.map((c) => [c.account, c.nick]));
      list.replaceChildren(...records.map((r) => row(r, nicks)));
      if (records.length === 0) list.append(localize(h("li", { class: "empty" }), () => t("history.empty")));
    },
  };
}

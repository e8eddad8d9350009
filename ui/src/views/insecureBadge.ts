// "Not secure": shown while the signed-in connection is plain ws:// to another machine (allowed
// only by the sign-in form's "Insecure, for testing"). Loopback, the embedded server included,
// and wss:// show nothing. The tooltip says what is exposed.
import type { AppContext } from "../app/context";
import { h, localize } from "../app/dom";
import type { SignedIn } from "../backend/types";
import { t } from "../i18n/i18n";

export function isNotSecure(me: SignedIn | null): boolean {
  return me?.transport === "plain";
}

export function insecureBadge(ctx: AppContext, testid: string): HTMLElement {
  const badge = h("span", { class: "badge badge-danger", testid, role: "status" });
  const hint = () => t("conn.notSecureHint", { server: ctx.signedIn.get()?.server ?? "" });
  localize(badge, () => t("conn.notSecure"));
  localize(badge, hint, "title"); // on a language switch; `render` on a new sign-in
  const render = (me: SignedIn | null) => {
    badge.hidden = !isNotSecure(me);
    badge.title = hint();
  };
  render(ctx.signedIn.get());
  ctx.signedIn.subscribe(render);
  return badge;
}

// Wires the main window's shortcuts (shortcuts.ts) to keydown.
import type { AppContext } from "./context";
import { shortcutAction } from "./shortcuts";

export function installShortcuts(ctx: AppContext): void {
  document.addEventListener("keydown", (event) => {
    const action = shortcutAction(event, ctx.state.get(), ctx.fullscreen.on.get());
    if (!action) return;
    event.preventDefault();
    const c = ctx.commands;
    switch (action.kind) {
      case "accept":
        ctx.run(c.accept(action.callType));
        break;
      case "reject":
        ctx.run(c.reject());
        break;
      case "cancel":
        ctx.run(c.cancel());
        break;
      case "hangup":
        ctx.run(c.hangup());
        break;
      case "mute":
        ctx.run(c.setMuted(action.muted));
        break;
      case "leaveFullscreen":
        ctx.run(ctx.fullscreen.set(false));
        break;
    }
  });
}

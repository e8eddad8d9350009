// The main window's full screen (the call screen's button, Esc to leave). The window manager can
// leave full screen too (a key of its own, another window), so the state is read back from the
// window on every resize instead of trusting the page's last request.
import type { Backend } from "../backend/backend";
import { Store } from "./store";

export class Fullscreen {
  /** Whether the window is full screen, as last set or read back. */
  readonly on = new Store<boolean>(false);

  constructor(private readonly backend: Backend) {}

  async set(on: boolean): Promise<void> {
    await this.backend.setFullscreen(on);
    this.on.set(on);
  }

  toggle(): Promise<void> {
    return this.set(!this.on.get());
  }

  /** Reads the window's state back (after a resize the page did not ask for). */
  async refresh(): Promise<void> {
    const on = await this.backend.isFullscreen();
    if (on !== this.on.get()) this.on.set(on);
  }
}

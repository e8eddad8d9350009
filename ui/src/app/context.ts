// What every view of the main window shares.
import type { Commands } from "../backend/commands";
import type { AppState, Bootstrap, CallStats, Settings, SignedIn } from "../backend/types";
import type { DisplaySizes } from "../frames/client";
import type { FrameScheduler } from "../frames/scheduler";
import type { DuetDebug } from "../frames/debug";
import { localError } from "../format/errorText";
import { Store } from "./store";
import type { Fullscreen } from "./fullscreen";
import type { Toasts } from "./toast";

export type AppContext = {
  commands: Commands;
  bootstrap: Bootstrap;
  state: Store<AppState>;
  signedIn: Store<SignedIn | null>;
  settings: Store<Settings | null>;
  stats: Store<CallStats | null>;
  micLevel: Store<number>;
  frames: FrameScheduler;
  /** Where views say how large they show each video stream (the backend scales frames to it). */
  displaySizes: DisplaySizes;
  debug: DuetDebug;
  toasts: Toasts;
  /** The main window's full screen. */
  fullscreen: Fullscreen;
  /** Runs a command; a rejection becomes an error toast instead of an unhandled promise. */
  run<T>(promise: Promise<T>): Promise<T | undefined>;
};

export function makeRunner(toasts: Toasts) {
  return async <T>(promise: Promise<T>): Promise<T | undefined> => {
    try {
      return await promise;
    } catch (error) {
      console.error(error);
      const { text, detail } = localError(error);
      toasts.show(text, "error", detail);
      return undefined;
    }
  };
}

import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import { getCurrentWindow } from "@tauri-apps/api/window";
import type { Backend } from "./backend";

/** The real backend: Tauri's IPC. */
export function tauriBackend(): Backend {
  return {
    invoke: (command, args) => invoke(command, args),
    listen: (event, handler) => listen(event, (e) => handler(e.payload as never)),
    windowLabel: () => getCurrentWindow().label,
    setFullscreen: (on) => getCurrentWindow().setFullscreen(on),
    isFullscreen: () => getCurrentWindow().isFullscreen(),
    closeWindow: () => getCurrentWindow().close(),
  };
}

/** True inside the Tauri webview (the IPC bridge is injected before the page's scripts run). */
export function insideTauri(): boolean {
  return typeof window !== "undefined" && "__TAURI_INTERNALS__" in window;
}

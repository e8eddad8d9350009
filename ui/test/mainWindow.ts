// What every main-window test sets up: a jsdom page without WebSocket or WebGL, a quiet console,
// English, and the window started on a FakeBackend. After each test the running window is left
// idle (leaving the call screen clears its 500 ms ticker, which would otherwise fire after jsdom
// is torn down) and the stubs are undone.
import { afterEach, beforeEach, vi } from "vitest";
import { startMainApp } from "../src/app/mainApp";
import { setLocale } from "../src/i18n/i18n";
import { FakeBackend, IDLE, settle, SilentSocket } from "./fakeBackend";

let running: FakeBackend | null = null;

/** Installs the page environment around each test of the calling file. */
export function usePageEnvironment(): void {
  beforeEach(() => {
    vi.stubGlobal("WebSocket", SilentSocket);
    // jsdom has no WebGL: the renderers are skipped and the canvases stay blank.
    HTMLCanvasElement.prototype.getContext = (() => null) as never;
    vi.spyOn(console, "error").mockImplementation(() => {});
    vi.spyOn(console, "debug").mockImplementation(() => {});
    setLocale("en");
  });
  afterEach(() => {
    running?.emit("app-state", IDLE);
    running = null;
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
    setLocale("en");
  });
}

/** Starts the main window on `backend` in a fresh body and waits for its first render. */
export async function mountMainWindow(backend: FakeBackend) {
  running = backend;
  const mount = document.createElement("div");
  document.body.replaceChildren(mount);
  const ctx = await startMainApp(backend, mount);
  await settle();
  return ctx;
}

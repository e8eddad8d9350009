// Entry: the same page serves the main window, the popup and the mini window; the window label
// picks which.
import "./styles/base.css";
import "./styles/main.css";
import "./styles/call.css";
import "./styles/popup.css";
import { rawDetail } from "./format/errorText";
import { insideTauri, tauriBackend } from "./backend/tauriBackend";
import { fatalScreen, startMainApp } from "./app/mainApp";
import { startMini } from "./mini/miniApp";
import { startPopup } from "./popup/popupApp";

async function start(): Promise<void> {
  const mount = document.getElementById("app");
  if (!mount) throw new Error("index.html has no #app element");
  if (!insideTauri()) {
    fatalScreen(mount, "This page runs inside the Duet app (Tauri); open it with `npx tauri dev` (from ui/) or the built app.");
    return;
  }
  const backend = tauriBackend();
  try {
    const label = backend.windowLabel();
    if (label === "popup") await startPopup(backend, mount);
    else if (label === "mini") await startMini(backend, mount);
    else await startMainApp(backend, mount);
  } catch (error) {
    console.error(error);
    fatalScreen(mount, `The app could not start: ${rawDetail(error)}`);
  }
}

start();

// The two primitives the page needs from Tauri, behind an interface so unit tests can fake them.

export type Unlisten = () => void;

export interface Backend {
  invoke<T>(command: string, args?: Record<string, unknown>): Promise<T>;
  listen<T>(event: string, handler: (payload: T) => void): Promise<Unlisten>;
  /** "main", "popup" or "mini" (docs/app-interface.md, Windows). */
  windowLabel(): string;
  /** This window full screen or not (Tauri's window API; only the main window may). */
  setFullscreen(on: boolean): Promise<void>;
  isFullscreen(): Promise<boolean>;
  /** Closes this window (the mini window's back-to-the-app: the backend then shows the main window). */
  closeWindow(): Promise<void>;
}

// The two primitives the page needs from Tauri, behind an interface so unit tests can fake them.

export type Unlisten = () => void;

export interface Backend {
  invoke<T>(command: string, args?: Record<string, unknown>): Promise<T>;
  listen<T>(event: string, handler: (payload: T) => void): Promise<Unlisten>;
  /** "main" or "popup" (docs/app-interface.md, Windows). */
  windowLabel(): string;
}

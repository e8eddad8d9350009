// The frames WebSocket: binary I420 messages from the backend, parsed and handed to the scheduler.
// It reconnects whenever the socket closes (backend restart, sleep), with a capped backoff.
import { parseFrame, type Frame } from "./header";

export type FramesClientOptions = {
  url: string;
  onFrame(frame: Frame): void;
  onBadFrame(reason: string): void;
  /** Injectable for tests. */
  createSocket?: (url: string) => WebSocket;
  setTimer?: (callback: () => void, ms: number) => unknown;
};

const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 3000;

export class FramesClient {
  private socket: WebSocket | null = null;
  private retryMs = FIRST_RETRY_MS;
  private stopped = false;
  /** How many times the socket was opened, for the statistics overlay and tests. */
  connects = 0;

  constructor(private readonly options: FramesClientOptions) {}

  start(): void {
    this.stopped = false;
    this.open();
  }

  stop(): void {
    this.stopped = true;
    this.socket?.close();
    this.socket = null;
  }

  private open(): void {
    const create = this.options.createSocket ?? ((url: string) => new WebSocket(url));
    let socket: WebSocket;
    try {
      socket = create(this.options.url);
    } catch (error) {
      this.options.onBadFrame(`cannot open ${this.options.url}: ${String(error)}`);
      this.retry();
      return;
    }
    socket.binaryType = "arraybuffer";
    socket.onopen = () => {
      this.connects += 1;
      this.retryMs = FIRST_RETRY_MS;
    };
    socket.onmessage = (event: MessageEvent) => {
      if (!(event.data instanceof ArrayBuffer)) {
        this.options.onBadFrame("text message on the frames socket");
        return;
      }
      const parsed = parseFrame(event.data);
      if (parsed.ok) this.options.onFrame(parsed.frame);
      else this.options.onBadFrame(parsed.error);
    };
    socket.onclose = () => {
      if (this.socket === socket) this.socket = null;
      this.retry();
    };
    // An error is always followed by close, which schedules the retry.
    socket.onerror = () => {};
    this.socket = socket;
  }

  private retry(): void {
    if (this.stopped) return;
    const setTimer = this.options.setTimer ?? ((cb: () => void, ms: number) => setTimeout(cb, ms));
    const delay = this.retryMs;
    this.retryMs = Math.min(MAX_RETRY_MS, this.retryMs * 2);
    setTimer(() => {
      if (!this.stopped) this.open();
    }, delay);
  }
}

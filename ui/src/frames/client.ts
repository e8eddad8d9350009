// The frames WebSocket: binary I420 messages from the backend, parsed and handed to the scheduler.
// The page tells the backend, on the same socket, how large it shows each stream (device pixels), and
// the backend scales frames down to that, so no pixel crosses the socket that the screen cannot show.
// Every frame taken is acknowledged with a one-byte receipt: the backend keeps at most two frames
// per stream unacknowledged, so frames cannot pile up unseen between its socket and this page.
// It reconnects whenever the socket closes (backend restart, sleep), with a capped backoff.
import { parseFrame, STREAM_OFFSET, type Frame, type StreamId } from "./header";

/** Where views say how large they show a stream (FramesClient implements it). */
export type DisplaySizes = {
  report(stream: StreamId, width: number, height: number): void;
};

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
/** WebSocket.OPEN, spelled out so tests can hand in a fake socket without the global. */
const SOCKET_OPEN = 1;

export class FramesClient implements DisplaySizes {
  private socket: WebSocket | null = null;
  /** The last size reported per stream, sent again whenever the socket (re)opens. */
  private readonly sizes = new Map<StreamId, [number, number]>();
  private retryMs = FIRST_RETRY_MS;
  private stopped = false;
  /** How many times the socket was opened, for the statistics overlay and tests. */
  connects = 0;

  constructor(private readonly options: FramesClientOptions) {}

  start(): void {
    this.stopped = false;
    this.open();
  }

  /**
   * Records where `stream` is shown, in device pixels, and tells the backend when it changed.
   * Sizes outside 2..65535 are not sent: the backend keeps its default for the stream.
   */
  report(stream: StreamId, width: number, height: number): void {
    const w = Math.round(width);
    const h = Math.round(height);
    if (!(w >= 2 && h >= 2 && w <= 0xffff && h <= 0xffff)) return;
    const last = this.sizes.get(stream);
    if (last && last[0] === w && last[1] === h) return;
    this.sizes.set(stream, [w, h]);
    if (this.socket) sendSize(this.socket, stream, w, h);
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
      for (const [stream, [w, h]] of this.sizes) sendSize(socket, stream, w, h);
    };
    socket.onmessage = (event: MessageEvent) => {
      if (!(event.data instanceof ArrayBuffer)) {
        this.options.onBadFrame("text message on the frames socket");
        return;
      }
      // The receipt goes first, so the backend can send the next frame while this one is handled.
      sendReceipt(socket, event.data);
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

/** The display-size message (docs/app-interface.md, Frames): stream u8, width and height u16 LE. */
function sendSize(socket: WebSocket, stream: StreamId, width: number, height: number): void {
  if (socket.readyState !== SOCKET_OPEN) return;
  const message = new DataView(new ArrayBuffer(5));
  message.setUint8(0, stream);
  message.setUint16(1, width, true);
  message.setUint16(3, height, true);
  socket.send(message.buffer);
}

/**
 * The receipt (docs/app-interface.md, Frames): one byte, the stream of the frame just taken, read
 * from the header even when the rest is malformed, so a bad frame cannot shrink the window.
 */
function sendReceipt(socket: WebSocket, message: ArrayBuffer): void {
  if (socket.readyState !== SOCKET_OPEN || message.byteLength <= STREAM_OFFSET) return;
  const stream = new Uint8Array(message, STREAM_OFFSET, 1)[0];
  socket.send(new Uint8Array([stream]).buffer);
}

// Development tool: a loopback WebSocket server speaking the frames protocol of
// docs/app-interface.md (DUF1 header + I420), sending a moving 1280x720 pattern at 30 fps on
// stream 0 and a 640x360 one on stream 1. Like the backend, it skips a frame when the socket has
// not taken the previous one yet or when two frames of the stream await the page's receipt
// (newest frame wins). No dependencies: the handshake and framing are written out here.
//   node dev/frameServer.mjs [port]        then open dev/preview.html?scene=call&frames=ws://127.0.0.1:PORT/frames
import { createHash } from "node:crypto";
import { createServer } from "node:http";

const port = Number(process.argv[2] ?? 5299);
const FPS = 30;

function pattern(width, height, phase) {
  const header = 24;
  const luma = width * height;
  const chroma = luma / 4;
  const bars = [[235, 128, 128], [210, 16, 146], [170, 166, 16], [145, 54, 34], [106, 202, 222], [81, 90, 240], [41, 240, 110], [16, 128, 128]];
  const frames = [];
  // 32 pre-rendered phases keep the CPU free for the browser being measured.
  for (let p = 0; p < 32; p++) {
    const buf = Buffer.alloc(header + luma + 2 * chroma);
    const shift = Math.floor((p * width) / 32 + phase);
    for (let row = 0; row < height; row++) {
      for (let col = 0; col < width; col++) {
        const bar = bars[Math.floor((((col + shift) % width) / width) * 8)];
        buf[header + row * width + col] = row > height * 0.8 ? 16 + Math.round((col / width) * 219) : bar[0];
      }
    }
    for (let row = 0; row < height / 2; row++) {
      for (let col = 0; col < width / 2; col++) {
        const bar = bars[Math.floor((((col * 2 + shift) % width) / width) * 8)];
        const grey = row * 2 > height * 0.8;
        buf[header + luma + row * (width / 2) + col] = grey ? 128 : bar[1];
        buf[header + luma + chroma + row * (width / 2) + col] = grey ? 128 : bar[2];
      }
    }
    frames.push(buf);
  }
  return frames;
}

function stamp(buf, stream, width, height, seq) {
  buf.writeUInt32LE(0x31465544, 0);
  buf.writeUInt8(stream, 4);
  buf.writeUInt16LE(width, 8);
  buf.writeUInt16LE(height, 10);
  buf.writeUInt32LE(seq >>> 0, 12);
  buf.writeDoubleLE(Date.now(), 16);
  return buf;
}

function wsBinaryHeader(length) {
  if (length < 126) return Buffer.from([0x82, length]);
  if (length < 65536) { const b = Buffer.alloc(4); b[0] = 0x82; b[1] = 126; b.writeUInt16BE(length, 2); return b; }
  const b = Buffer.alloc(10); b[0] = 0x82; b[1] = 127; b.writeBigUInt64BE(BigInt(length), 2); return b;
}

const FRAMES_IN_FLIGHT = 2;

/** One whole masked client frame at the start of `buffer`, or null until it has all arrived. */
function takeClientMessage(buffer) {
  if (buffer.length < 2) return null;
  const opcode = buffer[0] & 0x0f;
  let length = buffer[1] & 0x7f;
  let offset = 2;
  if (length === 126) { if (buffer.length < 4) return null; length = buffer.readUInt16BE(2); offset = 4; }
  else if (length === 127) { if (buffer.length < 10) return null; length = Number(buffer.readBigUInt64BE(2)); offset = 10; }
  const masked = (buffer[1] & 0x80) !== 0;
  const start = offset + (masked ? 4 : 0);
  if (buffer.length < start + length) return null;
  const payload = Buffer.from(buffer.subarray(start, start + length));
  if (masked) for (let i = 0; i < length; i++) payload[i] ^= buffer[offset + (i % 4)];
  return { opcode, payload, length: start + length };
}

const remote = pattern(1280, 720, 0);
const local = pattern(640, 360, 100);
const server = createServer((_, res) => res.writeHead(404).end());
server.on("upgrade", (req, socket) => {
  if (!req.url?.startsWith("/frames")) return socket.destroy();
  const accept = createHash("sha1").update(req.headers["sec-websocket-key"] + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest("base64");
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
  let seq = 0, sent = 0, skipped = 0;
  const inFlight = [0, 0, 0];
  const timer = setInterval(() => {
    seq += 1;
    for (const [stream, frames, w, h] of [[0, remote, 1280, 720], [1, local, 640, 360]]) {
      // The socket has not taken the last one, or the page has not acknowledged two.
      if (socket.writableLength > 0 || inFlight[stream] >= FRAMES_IN_FLIGHT) { skipped += 1; continue; }
      const body = stamp(frames[seq % frames.length], stream, w, h, seq);
      socket.write(Buffer.concat([wsBinaryHeader(body.length), body]));
      inFlight[stream] += 1;
      sent += 1;
    }
  }, 1000 / FPS);
  let pending = Buffer.alloc(0);
  socket.on("data", (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    for (let message; (message = takeClientMessage(pending)); ) {
      pending = pending.subarray(message.length);
      // A one-byte binary message is a receipt; display sizes (5 bytes) and the rest are ignored.
      if (message.opcode === 2 && message.payload.length === 1 && message.payload[0] < inFlight.length) {
        inFlight[message.payload[0]] = Math.max(0, inFlight[message.payload[0]] - 1);
      }
    }
  });
  socket.on("close", () => { clearInterval(timer); console.log(`client left: sent ${sent}, skipped ${skipped}`); });
  socket.on("error", () => clearInterval(timer));
});
server.listen(port, "127.0.0.1", () => console.log(`frames on ws://127.0.0.1:${port}/frames`));

// Duet's test-pattern code, in the browser: the same 96-bit stamp duet-media's test pattern draws
// (crates/duet-media/src/source/test_pattern.rs). Three rows of 32 black or white squares at the
// top of the picture carry the frame number (32 bits), the capture time in microseconds since the
// Unix epoch modulo 2^48 (48 bits) and a CRC-16/CCITT-FALSE over both (16 bits). Drawing it here
// lets duet-cli's recording be checked with duet-media's own reader, and reading it here checks
// that the browser really decodes duet's advancing frames.
"use strict";

const STAMP_COLUMNS = 32;
const STAMP_ROWS = 3;
const TWO_POW_48 = 2 ** 48;

/** Side of one code square in pixels: even, as duet-media computes it. */
function stampBlockSize(width) {
  return Math.floor(width / STAMP_COLUMNS) & ~1;
}

function crc16(bytes) {
  let crc = 0xffff;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
  }
  return crc;
}

/** The 10 payload bytes: frame number (big-endian u32), capture time (big-endian 48 bits). */
function stampPayload(frameNumber, captureTimeUs) {
  const bytes = [];
  for (let shift = 24; shift >= 0; shift -= 8) bytes.push((frameNumber >>> shift) & 0xff);
  // Plain numbers hold integers exactly up to 2^53; 48 bits are split without bit operators.
  let time = captureTimeUs % TWO_POW_48;
  const timeBytes = [];
  for (let i = 0; i < 6; i++) {
    timeBytes.unshift(time % 256);
    time = Math.floor(time / 256);
  }
  return bytes.concat(timeBytes);
}

/** The 96 bits to draw, most significant first. */
function stampBits(frameNumber, captureTimeUs) {
  const payload = stampPayload(frameNumber, captureTimeUs);
  const crc = crc16(payload);
  const bytes = payload.concat([crc >> 8, crc & 0xff]);
  const bits = [];
  for (const byte of bytes) for (let i = 7; i >= 0; i--) bits.push((byte >> i) & 1);
  return bits;
}

/** Draws the code for a frame onto a 2D canvas context `width` pixels wide. */
function drawStamp(ctx, width, frameNumber, captureTimeUs) {
  const block = stampBlockSize(width);
  stampBits(frameNumber, captureTimeUs).forEach((bit, index) => {
    const col = index % STAMP_COLUMNS;
    const row = Math.floor(index / STAMP_COLUMNS);
    ctx.fillStyle = bit ? "#ffffff" : "#000000";
    ctx.fillRect(col * block, row * block, block, block);
  });
}

/**
 * Reads the stamp from a luma plane (`luma(x, y)` gives 0..255), sampling the centre half of each
 * square as duet-media does. Returns {frameNumber, captureTimeUs} or null when the CRC fails.
 */
function readStamp(luma, width, height) {
  const block = stampBlockSize(width);
  if (block < 2 || height < STAMP_ROWS * block) return null;
  const side = Math.max(1, Math.floor(block / 2));
  const bits = [];
  for (let index = 0; index < STAMP_COLUMNS * STAMP_ROWS; index++) {
    const col = index % STAMP_COLUMNS;
    const row = Math.floor(index / STAMP_COLUMNS);
    const x0 = col * block + Math.floor(block / 4);
    const y0 = row * block + Math.floor(block / 4);
    let sum = 0;
    for (let y = y0; y < y0 + side; y++) for (let x = x0; x < x0 + side; x++) sum += luma(x, y);
    bits.push(sum / (side * side) > 128 ? 1 : 0);
  }
  const bytes = [];
  for (let i = 0; i < bits.length; i += 8) {
    let byte = 0;
    for (let j = 0; j < 8; j++) byte = (byte << 1) | bits[i + j];
    bytes.push(byte);
  }
  const payload = bytes.slice(0, 10);
  if (crc16(payload) !== ((bytes[10] << 8) | bytes[11])) return null;
  const frameNumber = ((payload[0] << 24) | (payload[1] << 16) | (payload[2] << 8) | payload[3]) >>> 0;
  let captureTimeUs = 0;
  for (let i = 4; i < 10; i++) captureTimeUs = captureTimeUs * 256 + payload[i];
  return { frameNumber, captureTimeUs };
}

/** Microseconds since the Unix epoch, modulo 2^48, as duet-media's `now_us` stamps them. */
function nowUs() {
  return Math.round((performance.timeOrigin + performance.now()) * 1000) % TWO_POW_48;
}

/** How long ago (ms) a stamp's capture time was, modulo 2^48 like duet-media's `age_us`. */
function stampAgeMs(stamp) {
  return (((nowUs() - stamp.captureTimeUs) % TWO_POW_48) + TWO_POW_48) % TWO_POW_48 / 1000;
}

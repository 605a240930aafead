import { randomFillSync } from "node:crypto";
import type { Clock } from "../types.js";

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/**
 * Makes a UUIDv7 generator (RFC 9562): 48 bits of milliseconds, then a 12-bit counter seeded
 * randomly each millisecond, so keys from one generator sort in creation order.
 */
export function uuidv7Generator(clock: Clock = Date.now): () => string {
  let lastMs = -1;
  let counter = 0;
  const bytes = new Uint8Array(16);
  return () => {
    let ms = Math.floor(clock());
    randomFillSync(bytes);
    if (ms <= lastMs) {
      ms = lastMs;
      counter++;
      if (counter > 0xfff) {
        ms = ++lastMs;
        counter = bytes[6]! & 0x7;
      }
    } else {
      counter = ((bytes[6]! & 0x7) << 8) | bytes[7]!;
    }
    lastMs = ms;
    bytes[0] = Math.floor(ms / 2 ** 40) & 0xff;
    bytes[1] = Math.floor(ms / 2 ** 32) & 0xff;
    bytes[2] = (ms >>> 24) & 0xff;
    bytes[3] = (ms >>> 16) & 0xff;
    bytes[4] = (ms >>> 8) & 0xff;
    bytes[5] = ms & 0xff;
    bytes[6] = 0x70 | ((counter >>> 8) & 0x0f);
    bytes[7] = counter & 0xff;
    bytes[8] = 0x80 | (bytes[8]! & 0x3f);
    let s = "";
    for (let i = 0; i < 16; i++) {
      if (i === 4 || i === 6 || i === 8 || i === 10) s += "-";
      s += HEX[bytes[i]!];
    }
    return s;
  };
}

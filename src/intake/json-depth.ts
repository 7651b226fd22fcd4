/**
 * How deeply a JSON text nests, found by one linear scan of its bytes, before `JSON.parse` sees it
 * (a signed 2 MB body nested a million levels deep held the event loop ~1.5 s).
 * Counts `[`/`{` outside strings and stops as soon as the limit is passed. Works on the raw
 * UTF-8: every byte of a multi-byte character is ≥ 0x80, so none is mistaken for `"`, `\`, `[`.
 *
 * It runs on every delivery, so its loop is kept tight: one table look-up per byte outside a
 * string, and a loop of its own through each string (most of a payload's bytes) that looks only
 * for the closing quote — a quarter faster than testing every byte against each bracket
 * (docs/benchmarks.md, intake).
 */
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** What a byte is to the scan: nothing, the start of a string, an opening or a closing bracket. */
const OTHER = 0;
const STRING = 1;
const OPEN = 2;
const CLOSE = 3;
const KIND = new Uint8Array(256);
KIND[QUOTE] = STRING;
KIND[0x5b] = OPEN; // [
KIND[0x7b] = OPEN; // {
KIND[0x5d] = CLOSE; // ]
KIND[0x7d] = CLOSE; // }

/** Webhook payloads nest about six levels deep; 64 leaves room and refuses what is not a payload. */
export const MAX_JSON_DEPTH = 64;

/** Whether `body` opens more than `limit` arrays/objects inside one another. */
export function nestsDeeperThan(body: Uint8Array, limit: number): boolean {
  const length = body.length;
  let depth = 0;
  for (let i = 0; i < length; i++) {
    const kind = KIND[body[i] as number];
    if (kind === OTHER) continue;
    if (kind === STRING) {
      // Through the string to its closing quote; an escaped character is stepped over.
      for (i++; i < length; i++) {
        const byte = body[i];
        if (byte === BACKSLASH) i++;
        else if (byte === QUOTE) break;
      }
    } else if (kind === OPEN) {
      if (++depth > limit) return true;
    } else depth--;
  }
  return false;
}

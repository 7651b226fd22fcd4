/**
 * How deeply a JSON text nests, found by one linear scan of its bytes, before `JSON.parse` sees it
 * (a signed 2 MB body nested a million levels deep held the event loop ~1.5 s).
 * Counts `[`/`{` outside strings and stops as soon as the limit is passed. Works on the raw
 * UTF-8: every byte of a multi-byte character is ≥ 0x80, so none is mistaken for `"`, `\`, `[`.
 */
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACKET = 0x5d;
const CLOSE_BRACE = 0x7d;

/** Webhook payloads nest about six levels deep; 64 leaves room and refuses what is not a payload. */
export const MAX_JSON_DEPTH = 64;

/** Whether `body` opens more than `limit` arrays/objects inside one another. */
export function nestsDeeperThan(body: Uint8Array, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const byte = body[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (byte === OPEN_BRACKET || byte === OPEN_BRACE) {
      if (++depth > limit) return true;
    } else if (byte === CLOSE_BRACKET || byte === CLOSE_BRACE) {
      depth--;
    }
  }
  return false;
}

/** A time (ms since the epoch) as ISO 8601 in UTC to the second: `2026-12-07T14:05:09Z`. */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The one backoff: `firstMs` after the first failure, doubling with each one after, never more
 * than `maxMs`. `failures` counts the failures so far (1 after the first).
 */
export function cappedBackoff(failures: number, firstMs: number, maxMs: number): number {
  return Math.min(maxMs, firstMs * 2 ** Math.max(0, failures - 1));
}

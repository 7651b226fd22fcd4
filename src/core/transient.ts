/**
 * Which failures are worth trying again later. The port that raised an error decides, by marking
 * it `transient: true` (a forge that did not answer, answered 5xx or 429, or gave an answer the
 * service could not read); dispatch never guesses. Anything else is a fault — a bug, a bad
 * request — and fails the event's routing or the job at once, with its message, instead of
 * being retried for ever under the name of an outage (docs/decisions.md §14).
 */
export function isTransient(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { transient?: unknown }).transient === true;
}

/** Raised by a `ForgeLookup` when the forge could not tell it what routing needs, now. */
export class ForgeUnavailableError extends Error {
  readonly code = 'FORGE_UNAVAILABLE';
  readonly transient = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ForgeUnavailableError';
  }
}

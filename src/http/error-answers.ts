/**
 * The one place a domain error becomes an HTTP answer: an error a module throws carries a `code`
 * (`UnknownSweepTaskError`: `UNKNOWN_SWEEP_TASK`); the routes ask here for its status and
 * `reason` instead of each matching codes of its own. An error with no entry is the service's
 * fault: 500, with the action that failed.
 */
const BY_CODE: Readonly<Record<string, { readonly status: number; readonly reason: string }>> = {
  UNKNOWN_SWEEP_TASK: { status: 400, reason: 'unknown-task' },
};

export interface ErrorAnswer {
  readonly status: number;
  readonly body: { readonly error: string; readonly reason: string };
}

export function answerForError(action: string, error: unknown): ErrorAnswer {
  const message = error instanceof Error ? error.message : String(error);
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
  const known = code === undefined ? undefined : BY_CODE[code];
  if (known) return { status: known.status, body: { error: message, reason: known.reason } };
  return { status: 500, body: { error: `${action} failed: ${message}`, reason: 'failed' } };
}

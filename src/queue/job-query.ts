/**
 * The one reading of an operator's job filter, shared by `claude-hooks jobs` and `GET /api/jobs`
 * (the two had drifted: the API answered 500 to a repeated `state`, the CLI passed `--limit abc`
 * to SQLite). States may be repeated or comma-separated; the limit is a whole number above 0.
 */
import { err, ok, type Result } from '../lib/result.js';
import { JOB_STATES, type JobState } from '../core/job-state.js';
import type { JobQuery } from './ports.js';

export interface JobQueryInput {
  /** `state=a&state=b`, `state=a,b`, `--state a --state b` or `--state a,b`. */
  readonly state?: string | readonly string[] | undefined;
  readonly limit?: string | undefined;
}

export function parseJobQuery(
  input: JobQueryInput,
  bounds: { defaultLimit: number; maxLimit: number },
): Result<Required<JobQuery>, string> {
  const states = parseJobStates(input.state);
  if (!states.ok) return states;
  const limit = parseLimit(input.limit, bounds);
  if (!limit.ok) return limit;
  return ok({ states: states.value, limit: limit.value });
}

export function parseJobStates(input: string | readonly string[] | undefined): Result<JobState[], string> {
  const given = (typeof input === 'string' ? [input] : (input ?? []))
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const unknown = given.filter((s) => !isJobState(s));
  if (unknown.length > 0) return err(`unknown job state(s): ${unknown.join(', ')}; expected ${JOB_STATES.join(', ')}`);
  return ok([...new Set(given as JobState[])]);
}

/** A positive whole number no larger than `maxLimit`; `defaultLimit` when not given. */
export function parseLimit(
  input: string | undefined,
  bounds: { defaultLimit: number; maxLimit: number },
): Result<number, string> {
  if (input === undefined) return ok(bounds.defaultLimit);
  const limit = /^\d+$/.test(input.trim()) ? Number(input.trim()) : NaN;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > bounds.maxLimit) {
    return err(`limit must be a whole number from 1 to ${bounds.maxLimit}, got "${input}"`);
  }
  return ok(limit);
}

function isJobState(value: string): value is JobState {
  return (JOB_STATES as readonly string[]).includes(value);
}

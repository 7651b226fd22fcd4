/**
 * What each forge's words for a check's result mean to the service: a state or an Actions
 * conclusion as a `CheckState`, which of a payload's times is the result's, whether its URL may be
 * shown, which branch it names, and which of its names is the check's.
 */
import type { CheckState } from '../../core/events.js';
import { err, ok, type Result } from '../../lib/result.js';
import { parsePayload, type PayloadProblem } from './payload-problem.js';
import { CheckName } from './schema.js';

/**
 * A commit status's state. `warning` and `skipped` (Gitea's own two) pass: Gitea's combined state
 * counts them with `success` (`modules/commitstatus`, `CommitStatusStates.Combine`), and neither
 * is a failure an author could fix.
 */
const STATUS_STATES: Readonly<Record<string, CheckState>> = {
  pending: 'pending',
  success: 'success',
  warning: 'success',
  skipped: 'success',
  error: 'failure',
  failure: 'failure',
};

export function statusState(state: string): CheckState {
  return Object.hasOwn(STATUS_STATES, state) ? (STATUS_STATES[state] ?? 'pending') : 'pending';
}

/**
 * An Actions conclusion (GitHub's list; Gitea sends success, failure, cancelled and skipped). A
 * conclusion not listed (`stale`, or none) says nothing yet: pending.
 */
const CONCLUSIONS: Readonly<Record<string, CheckState>> = {
  success: 'success',
  skipped: 'success',
  neutral: 'success',
  failure: 'failure',
  cancelled: 'failure',
  timed_out: 'failure',
  action_required: 'failure',
  startup_failure: 'failure',
};

/** A run's or job's `status` and `conclusion`: only a completed one has a verdict. */
export function actionsState(status: string, conclusion: string | null | undefined): CheckState {
  if (status !== 'completed' || conclusion === null || conclusion === undefined) return 'pending';
  return Object.hasOwn(CONCLUSIONS, conclusion) ? (CONCLUSIONS[conclusion] ?? 'pending') : 'pending';
}

/**
 * The first of `times` the forge actually set, as given; '' when none. Gitea prints an unset time
 * as Go's zero (`0001-01-01T00:00:00Z`) or, from a zero timestamp, the Unix epoch: neither is a
 * time anything happened at.
 */
export function givenTime(...times: readonly (string | null | undefined)[]): string {
  for (const time of times) {
    if (time !== null && time !== undefined && Date.parse(time) > 0) return time;
  }
  return '';
}

/**
 * `value` when it is an http(s) URL without credentials, else ''. A check's URL is whatever the
 * tool that set it said; the dashboard links it and prompts quote it, so nothing else is kept. A
 * path is a page on the forge (Gitea writes its Actions statuses' `target_url` as
 * `/owner/repo/actions/runs/17/jobs/0`), resolved against `forgeUrl`, and kept only if it stays there.
 */
export function webUrl(value: string | null | undefined, forgeUrl: string): string {
  if (value === null || value === undefined || value === '') return '';
  try {
    const forge = new URL(forgeUrl);
    const onForge = value.startsWith('/');
    const url = onForge ? new URL(value, forge) : new URL(value);
    const web = url.protocol === 'http:' || url.protocol === 'https:';
    if (!web || url.username !== '' || url.password !== '') return '';
    if (!onForge) return value;
    return url.origin === forge.origin ? url.href : '';
  } catch {
    return '';
  }
}

/**
 * The short branch name a payload gives (already checked as a ref name by the schema), or
 * undefined: '' (a run on a tag) and other refs (`refs/pull/1/head`, Forgejo's `prettyref` of a
 * pull request's run) name no branch.
 */
export function shortBranch(...names: readonly (string | null | undefined)[]): string | undefined {
  const name = names.find((candidate) => candidate !== null && candidate !== undefined && candidate !== '');
  if (name === undefined || name === null) return undefined;
  if (name.startsWith('refs/heads/')) return name.slice('refs/heads/'.length);
  return name.startsWith('refs/') ? undefined : name;
}

/**
 * The check's name: the first of `candidates` (field path, value) that is set, checked as a
 * `CheckName` and, if it does not fit, a problem naming that field. Only the name picked is
 * judged, so a long commit subject in a run's `display_title` does not refuse a run whose
 * workflow has a name.
 */
export function checkName(
  candidates: readonly (readonly [field: string, value: string | null | undefined])[],
): Result<string, PayloadProblem> {
  const picked = candidates.find(([, value]) => value !== null && value !== undefined && value !== '');
  if (picked === undefined) {
    const fields = candidates.map(([field]) => field).join(', ');
    return err({ field: candidates[0]?.[0] ?? '(body)', message: `expected a name for the check in ${fields}` });
  }
  const [field, value] = picked;
  const read = parsePayload(CheckName, value);
  return read.ok ? ok(read.value) : err({ field, message: read.error.message });
}

/**
 * One check result taken into a watched pull request (docs/until-merged.md): the record it leaves
 * and what the service is to do about it. Pure: the driver reads and writes, this decides.
 *
 * - A result for another commit than the PR's head, for a PR no longer open, or older than the
 *   one recorded for its check, is ignored, with the reason.
 * - With branch protection naming the required checks, a check it does not name is ignored; an
 *   Actions run or job then counts through the commit statuses it posts, which protection names.
 * - A failure on a head that woke nobody yet wakes the author — one fix attempt — unless the
 *   attempts are used up (the cap, said once), or the check passed on this very head before: then
 *   it is rerun once (a flake suspect), and marked flaky when the rerun passes. A rerun that fails
 *   again wakes the author. A further failed check on a head already woken is added to that
 *   attempt, not counted as another.
 * - A pass is recorded; once every check on the head passed, the PR is green.
 */
import type { CheckState } from '../core/events.js';
import type { CheckRecord, IgnoredResult, WatchedPull } from './ports.js';

/** A check result as the driver hands it in: a `CheckEvent`'s fields, or a status read in a catch-up. */
export interface CheckResult extends CheckRecord {
  readonly sha: string;
}

export interface CheckSettings {
  /** Fix attempts per PR. */
  readonly cap: number;
  /** The contexts branch protection requires; undefined: every check on the head counts. */
  readonly required: readonly string[] | undefined;
}

export type CheckVerdict =
  | { readonly kind: 'ignore'; readonly reason: string }
  /** Recorded; nothing to do now. */
  | { readonly kind: 'recorded' }
  /** Every check on the head passed: the PR is green (merge when green looks at it). */
  | { readonly kind: 'green' }
  /** Rerun the check's failed jobs once: `run` when the result named its Actions run (else the driver finds it). */
  | { readonly kind: 'rerun'; readonly context: string; readonly run: number | undefined }
  /** Wake the author: `attempt` of the cap; `more` when the head woke it already (the same attempt). */
  | { readonly kind: 'wake'; readonly attempt: number; readonly more: boolean }
  /** The attempts are used up and this is the first failure past them: say so on the PR. */
  | { readonly kind: 'cap' }
  /** A failure that needs nobody: the cap was said already. */
  | { readonly kind: 'quiet'; readonly reason: string };

export interface Taken {
  readonly pull: WatchedPull;
  readonly verdict: CheckVerdict;
}

/** Heads kept in `woken` and per-check passes kept in `passed`. */
const KEEP = 20;
/** Ignored results kept for operators. */
const KEEP_IGNORED = 10;

export function takeCheck(pull: WatchedPull, result: CheckResult, settings: CheckSettings, now: number): Taken {
  const ignore = (reason: string): Taken => ({
    pull: withIgnored(pull, { sha: result.sha, context: result.context, reason, at: now }),
    verdict: { kind: 'ignore', reason },
  });
  if (pull.state !== 'open') return ignore(`pull request #${pull.number} is ${pull.state}`);
  if (result.sha !== pull.headSha)
    return ignore(`for ${short(result.sha)}, not the head of #${pull.number} (${short(pull.headSha)})`);
  if (settings.required !== undefined) {
    if (result.source !== 'status')
      return ignore('branch protection names the required checks: the commit statuses this run posts count');
    if (!settings.required.includes(result.context)) return ignore(`${result.context} is not a required check`);
  }
  const previous = pull.checks.find((check) => sameCheck(check, result));
  if (previous !== undefined && result.at !== 0 && previous.at > result.at)
    return ignore(`older than the result recorded for ${result.context}`);

  const record: CheckRecord = withoutSha(result);
  const checks = [...pull.checks.filter((check) => !sameCheck(check, result)), record];
  const recorded: WatchedPull = { ...pull, checks, updatedAt: now };

  if (result.state === 'pending') return { pull: recorded, verdict: { kind: 'recorded' } };
  if (result.state === 'success') return passed(recorded, result);
  return failed(recorded, result, settings);
}

function passed(pull: WatchedPull, result: CheckResult): Taken {
  const rerun = pull.reruns.some((r) => r.sha === result.sha && r.context === result.context);
  const flaky = rerun && !pull.flaky.includes(result.context) ? [...pull.flaky, result.context] : pull.flaky;
  const passedOn = pull.passed.some((p) => p.context === result.context && p.sha === result.sha)
    ? pull.passed
    : [...pull.passed, { context: result.context, sha: result.sha }].slice(-KEEP);
  const next: WatchedPull = { ...pull, flaky, passed: passedOn };
  return { pull: next, verdict: allPassed(next.checks) ? { kind: 'green' } : { kind: 'recorded' } };
}

function failed(pull: WatchedPull, result: CheckResult, settings: CheckSettings): Taken {
  const head = result.sha;
  const told = (context: string) => pull.reported.some((r) => r.sha === head && r.context === context);
  const report = (next: WatchedPull): WatchedPull => ({
    ...next,
    reported: [...next.reported, { sha: head, context: result.context }].slice(-KEEP),
  });
  if (pull.woken.includes(head)) {
    if (told(result.context))
      return { pull, verdict: { kind: 'quiet', reason: `${pull.agent} was told of this failure already` } };
    return { pull: report(pull), verdict: { kind: 'wake', attempt: Math.max(1, pull.attempts), more: true } };
  }
  const rerunBefore = pull.reruns.some((r) => r.sha === head && r.context === result.context);
  const passedHere = pull.passed.some((p) => p.sha === head && p.context === result.context);
  if (passedHere && !rerunBefore) {
    const reruns = [...pull.reruns, { sha: head, context: result.context, run: result.runId ?? 0, at: pull.updatedAt }];
    return {
      pull: { ...pull, reruns: reruns.slice(-KEEP) },
      verdict: { kind: 'rerun', context: result.context, run: result.runId },
    };
  }
  if (pull.attempts >= settings.cap) {
    if (pull.capped) return { pull, verdict: { kind: 'quiet', reason: 'its fix attempts are used up, as said on it' } };
    return { pull: { ...pull, capped: true }, verdict: { kind: 'cap' } };
  }
  const attempt = pull.attempts + 1;
  return {
    pull: report({ ...pull, attempts: attempt, woken: [...pull.woken, head].slice(-KEEP) }),
    verdict: { kind: 'wake', attempt, more: false },
  };
}

/** The head moved (a push, a rebase): its checks start over; attempts, reruns and flakes stay. */
export function moveHead(pull: WatchedPull, sha: string, now: number): WatchedPull {
  if (pull.headSha === sha) return pull;
  return { ...pull, headSha: sha, checks: [], updatedAt: now };
}

/** Whether every recorded check passed (and there is one). */
export function allPassed(checks: readonly CheckRecord[]): boolean {
  return checks.length > 0 && checks.every((check) => check.state === 'success');
}

/** The failing checks of the head. */
export function failing(checks: readonly CheckRecord[]): CheckRecord[] {
  return checks.filter((check) => check.state === 'failure');
}

/** A combined state of the head's checks, as the dashboard shows it. */
export function checkSummary(checks: readonly CheckRecord[]): CheckState | 'none' {
  if (checks.length === 0) return 'none';
  if (checks.some((check) => check.state === 'failure')) return 'failure';
  if (checks.some((check) => check.state === 'pending')) return 'pending';
  return 'success';
}

const sameCheck = (a: Pick<CheckRecord, 'source' | 'context'>, b: Pick<CheckRecord, 'source' | 'context'>) =>
  a.source === b.source && a.context === b.context;

function withoutSha(result: CheckResult): CheckRecord {
  const { sha: _sha, ...record } = result;
  return record;
}

function withIgnored(pull: WatchedPull, ignored: IgnoredResult): WatchedPull {
  return { ...pull, ignored: [...pull.ignored, ignored].slice(-KEEP_IGNORED) };
}

const short = (sha: string) => sha.slice(0, 10);

/**
 * A watched pull request as an operator reads it — the dashboard's section, `GET /api/pulls`,
 * `claude-hooks prs` (docs/until-merged.md, "Seeing it"): where its checks stand and which fail or
 * run, the fix attempts used of the cap, the reruns asked for, the checks found flaky, where
 * merging stands and what it waits on, all in words a person reads without the record's
 * bookkeeping (`woken`, `reported`, `passed`). Pure: the callers read the store.
 *
 * Titles, branch names and reasons are the forge's, untrusted: the table goes through
 * `formatTable` (control characters shown escaped), the dashboard through its escaping template.
 */
import type { CheckState } from '../core/events.js';
import { formatTable } from '../lib/format-table.js';
import type { MergeState, WatchedPull } from './ports.js';
import { checkSummary } from './take-check.js';

export interface PullView {
  /** `owner/name`, as a person names the repository. */
  readonly repo: string;
  readonly number: number;
  readonly title: string;
  readonly agent: string;
  readonly issue: number;
  /** The head commit, shortened as the forge shows it. */
  readonly head: string;
  readonly branch: string;
  readonly base: string;
  readonly state: WatchedPull['state'];
  readonly checks: CheckState | 'none';
  /** The checks of the head that failed, and those still running, by name. */
  readonly failing: readonly string[];
  readonly pending: readonly string[];
  readonly attemptsUsed: number;
  readonly cap: number;
  /** `N of cap`, and `, used up` once the cap was said on the PR. */
  readonly attempts: string;
  readonly reruns: number;
  readonly flaky: readonly string[];
  readonly merge: string;
  readonly waitingOn: string;
  /** Why the latest result the service did not act on was ignored; undefined when none was. */
  readonly lastIgnored: string | undefined;
  /** When the record last changed (ISO). */
  readonly updatedAt: string;
}

/** The view of one record; `cap` is `pulls.fixAttempts`. */
export function pullView(pull: WatchedPull, cap: number): PullView {
  const named = (state: CheckState) =>
    pull.checks.filter((check) => check.state === state).map((check) => check.context);
  return {
    repo: ownerName(pull.repo),
    number: pull.number,
    title: pull.title,
    agent: pull.agent,
    issue: pull.issue,
    head: shortSha(pull.headSha),
    branch: pull.headRef,
    base: pull.baseRef,
    state: pull.state,
    checks: checkSummary(pull.checks),
    failing: named('failure'),
    pending: named('pending'),
    attemptsUsed: pull.attempts,
    cap,
    attempts: `${pull.attempts} of ${cap}${pull.capped ? ', used up' : ''}`,
    reruns: pull.reruns.length,
    flaky: pull.flaky,
    merge: mergeWords(pull.merge),
    waitingOn: pull.waitingOn,
    lastIgnored: pull.ignored.at(-1)?.reason,
    updatedAt: new Date(pull.updatedAt).toISOString(),
  };
}

/** Where merging stands, in words. */
export function mergeWords(merge: MergeState): string {
  switch (merge.kind) {
    case 'off':
      return 'by a person';
    case 'waiting':
      return 'when green and approved';
    case 'asked':
      return `asked for ${shortSha(merge.sha)}`;
    case 'refused':
      return `refused for ${shortSha(merge.sha)}: ${merge.reason}`;
    case 'merged':
      return 'merged';
  }
}

/** The checks cell: the summary, and the checks it is about when some fail or run. */
export function checksWords(view: Pick<PullView, 'checks' | 'failing' | 'pending'>): string {
  const names = view.checks === 'failure' ? view.failing : view.checks === 'pending' ? view.pending : [];
  return names.length === 0 ? view.checks : `${view.checks}: ${names.join(', ')}`;
}

const TITLE_WIDTH = 48;

/** `claude-hooks prs` as text: one line per pull request, the title last. */
export function formatPullTable(views: readonly PullView[], options: { readonly all?: boolean } = {}): string {
  if (views.length === 0)
    return options.all
      ? 'no pull requests: the service watches none yet\n'
      : 'no open pull requests watched (--all shows merged and closed ones)\n';
  return formatTable(
    ['PR', 'STATE', 'AGENT', 'HEAD', 'CHECKS', 'ATTEMPTS', 'RERUNS', 'FLAKY', 'MERGE', 'WAITS ON', 'TITLE'],
    views.map((v) => [
      `${v.repo}#${v.number}`,
      v.state,
      `${v.agent} (#${v.issue})`,
      `${v.branch}@${v.head}`,
      checksWords(v),
      v.attempts,
      String(v.reruns),
      v.flaky.length === 0 ? '-' : v.flaky.join(', '),
      v.merge,
      v.waitingOn,
      short(v.title),
    ]),
  );
}

/** `host/owner/name` → `owner/name`. */
const ownerName = (repo: string): string => repo.split('/').slice(1).join('/');

const shortSha = (sha: string): string => sha.slice(0, 10);

function short(text: string): string {
  const chars = Array.from(text);
  return chars.length > TITLE_WIDTH ? `${chars.slice(0, TITLE_WIDTH - 1).join('')}…` : text;
}

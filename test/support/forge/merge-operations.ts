/**
 * Merging through the API (`POST …/pulls/{index}/merge`) with the checks Gitea's
 * `CheckPullMergeable` makes first, each refused with a 405: a user who may not merge, a PR
 * already merged, a head that conflicts with its base, branch protection not met — the approvals
 * it requires (official `APPROVED` reviews by others than the author, each reviewer's latest; with
 * `dismiss_stale_approvals` only those on the current head) and its required status checks (each
 * context, a glob, the newest status of a matching context a success on the head; with none
 * named, every status of the head). A head that moved since the caller judged it
 * (`head_commit_id`) is a 409, checked first — Gitea checks it only when merging now.
 *
 * With `merge_when_checks_succeed` a PR that protection holds back is scheduled (201, as Gitea
 * answers) and merged by the double once a status or an approval completes what protection
 * wants; a new head cancels the schedule. One that passes already is merged at once (200), as Forgejo does. The
 * double merges with the `merge` and `squash` styles; others are refused as a repository that
 * does not allow them would (405). `force_merge` is not honoured.
 */
import { latestPerContext } from './ci-render.js';
import type { MergeAttemptRecord } from './ci-state.js';
import {
  ForgeRefusal,
  mayWrite,
  pullIn,
  repoFor,
  STATUS_OF_REFUSAL,
  type OperationContext,
} from './operation-context.js';
import { mergePull } from './pull-operations.js';
import type { IssueRecord, ProtectionRecord, RepoRecord } from './state.js';

export interface ApiMergeRequest {
  readonly style: string;
  readonly headCommitId: string;
  readonly whenChecksSucceed: boolean;
  readonly deleteBranch: boolean;
  readonly forceMerge: boolean;
}

const MERGE_STYLES = ['merge', 'squash'] as const;
type DoubleStyle = (typeof MERGE_STYLES)[number];
const isDoubleStyle = (style: string): style is DoubleStyle => (MERGE_STYLES as readonly string[]).includes(style);

export async function mergeByApi(
  ctx: OperationContext,
  actor: string,
  repoName: string,
  number: number,
  request: ApiMergeRequest,
): Promise<'merged' | 'scheduled'> {
  const repo = repoFor(ctx, actor, repoName, 'read');
  const issue = pullIn(ctx, repo, number);
  const record = (outcome: MergeAttemptRecord['outcome'], status: number, reason: string): void =>
    void ctx.state.ci.mergeAttempts.push({
      repo: repo.fullName,
      number,
      by: actor,
      style: request.style,
      headCommitId: request.headCommitId,
      whenChecksSucceed: request.whenChecksSucceed,
      forceMerge: request.forceMerge,
      outcome,
      status,
      reason,
    });
  try {
    const blocked = refusalOf(ctx, repo, issue, actor, request);
    if (blocked !== undefined) throw blocked;
    const { style } = request;
    if (!isDoubleStyle(style))
      throw new ForgeRefusal('not-allowed', `${style} is not an allowed merge style in the forge double`);
    const held = protectionProblems(ctx, repo, issue);
    if (held.length > 0 && !request.whenChecksSucceed)
      throw new ForgeRefusal('not-allowed', `PR is not ready to be merged: ${held.join('; ')}`);
    if (held.length > 0) {
      schedule(ctx, repo, issue, actor, style);
      record('scheduled', 201, '');
      return 'scheduled';
    }
    await mergePull(ctx, actor, repo.fullName, number, {
      squash: style === 'squash',
      deleteBranch: request.deleteBranch,
    });
    record('merged', 200, '');
    return 'merged';
  } catch (error) {
    if (error instanceof ForgeRefusal) record('refused', STATUS_OF_REFUSAL[error.kind], error.message);
    throw error;
  }
}

/** What stops a merge before protection is looked at; undefined when nothing does. */
function refusalOf(
  ctx: OperationContext,
  repo: RepoRecord,
  issue: IssueRecord,
  actor: string,
  request: ApiMergeRequest,
): ForgeRefusal | undefined {
  const pull = issue.pull;
  if (pull === undefined) return new ForgeRefusal('not-found', 'not a pull request');
  if (pull.merged) return new ForgeRefusal('not-allowed', 'PR already merged');
  if (issue.state !== 'open') return new ForgeRefusal('not-found', `pull request #${issue.number} is closed`);
  if (!mayMerge(ctx, repo, pull.baseRef, actor)) return new ForgeRefusal('not-allowed', 'User not allowed to merge PR');
  if (request.headCommitId !== '' && request.headCommitId !== pull.headSha)
    return new ForgeRefusal('conflict', 'head out of date');
  if (!pull.mergeable) return new ForgeRefusal('not-allowed', 'PR not in mergeable state: it conflicts with its base');
  return undefined;
}

/** Write access, and a place on the base's merge allowlist when its rule keeps one. */
function mayMerge(ctx: OperationContext, repo: RepoRecord, base: string, actor: string): boolean {
  const rule = ruleFor(ctx, repo, base);
  if (rule?.enableMergeWhitelist === true)
    return rule.mergeWhitelist.some((login) => login.toLowerCase() === actor.toLowerCase());
  return mayWrite(ctx, repo, actor);
}

function schedule(ctx: OperationContext, repo: RepoRecord, issue: IssueRecord, by: string, style: DoubleStyle): void {
  const merges = ctx.state.ci.scheduledMerges;
  const existing = merges.findIndex((m) => m.repo === repo.fullName && m.number === issue.number);
  // Gitea deletes a PR's scheduled merge before scheduling it again.
  if (existing >= 0) merges.splice(existing, 1);
  merges.push({
    repo: repo.fullName,
    number: issue.number,
    by,
    style,
    headSha: issue.pull?.headSha ?? '',
    createdAt: ctx.state.now(),
  });
}

/** After a review: an approval may be what a scheduled merge waited for (Gitea's automerge notifier). */
export async function reviewed(ctx: OperationContext, repoName: string, number: number): Promise<void> {
  const repo = ctx.state.repo(repoName);
  const head = repo === undefined ? undefined : ctx.state.issue(repo.fullName, number)?.pull?.headSha;
  if (repo !== undefined && head !== undefined) await runScheduledMerges(ctx, repo, head);
}

/**
 * Merges the scheduled PRs whose head is `sha` once protection lets them through; drops those
 * whose head moved on (Gitea cancels an auto-merge when the head changes).
 */
export async function runScheduledMerges(ctx: OperationContext, repo: RepoRecord, sha: string): Promise<void> {
  const merges = ctx.state.ci.scheduledMerges;
  for (const scheduled of merges.filter((m) => m.repo === repo.fullName)) {
    const issue = ctx.state.issue(repo.fullName, scheduled.number);
    const stale = issue?.pull === undefined || issue.state !== 'open' || issue.pull.headSha !== scheduled.headSha;
    if (stale) merges.splice(merges.indexOf(scheduled), 1);
    if (stale || issue?.pull?.headSha !== sha || !issue.pull.mergeable) continue;
    if (protectionProblems(ctx, repo, issue).length > 0) continue;
    merges.splice(merges.indexOf(scheduled), 1);
    await mergePull(ctx, scheduled.by, repo.fullName, scheduled.number, { squash: scheduled.style === 'squash' });
    ctx.state.ci.mergeAttempts.push({
      repo: repo.fullName,
      number: scheduled.number,
      by: scheduled.by,
      style: scheduled.style,
      headCommitId: sha,
      whenChecksSucceed: true,
      forceMerge: false,
      outcome: 'merged',
      status: 0,
      reason: 'scheduled merge: checks passed',
    });
  }
}

/** What branch protection of the PR's base still wants, in words; empty when it lets the merge through. */
export function protectionProblems(ctx: OperationContext, repo: RepoRecord, issue: IssueRecord): string[] {
  const pull = issue.pull;
  const rule = pull === undefined ? undefined : ruleFor(ctx, repo, pull.baseRef);
  if (pull === undefined || rule === undefined) return [];
  const problems: string[] = [];
  const approvals = approvalsOf(ctx, repo, issue, rule);
  if (approvals < rule.requiredApprovals) problems.push(`${approvals} of ${rule.requiredApprovals} required approvals`);
  if (rule.enableStatusCheck) problems.push(...missingChecks(ctx, repo, pull.headSha, rule.statusCheckContexts));
  return problems;
}

function approvalsOf(ctx: OperationContext, repo: RepoRecord, issue: IssueRecord, rule: ProtectionRecord): number {
  const latest = new Map<string, { state: string; commitId: string; official: boolean }>();
  for (const review of ctx.state.reviews) {
    if (review.repo !== repo.fullName || review.number !== issue.number || review.state === 'REQUEST_REVIEW') continue;
    if (review.state === 'COMMENT') continue;
    latest.set(review.reviewer.toLowerCase(), review);
  }
  const allowed = (login: string): boolean =>
    rule.enableApprovalsWhitelist
      ? rule.approvalsWhitelist.some((name) => name.toLowerCase() === login)
      : (latest.get(login)?.official ?? false);
  return [...latest.entries()].filter(
    ([login, review]) =>
      review.state === 'APPROVED' &&
      login !== issue.author.toLowerCase() &&
      allowed(login) &&
      (!rule.dismissStaleApprovals || review.commitId === issue.pull?.headSha),
  ).length;
}

function missingChecks(ctx: OperationContext, repo: RepoRecord, sha: string, contexts: readonly string[]): string[] {
  const latest = latestPerContext(ctx.state.ci.statuses.filter((s) => s.repo === repo.fullName && s.sha === sha));
  const passed = (state: string): boolean => state === 'success' || state === 'skipped';
  if (contexts.length === 0) {
    const failing = latest.filter((status) => !passed(status.state)).map((status) => status.context);
    if (latest.length === 0) return ['no status checks on the head yet'];
    return failing.map((context) => `status check ${context} is not a success`);
  }
  return contexts.flatMap((pattern) => {
    const matched = latest.filter((status) => globMatches(pattern, status.context));
    if (matched.length === 0) return [`required status check ${pattern} has not reported`];
    return matched.filter((status) => !passed(status.state)).map((s) => `status check ${s.context} is ${s.state}`);
  });
}

/** The rule for `branch`: one named for it, else a glob rule that matches it. */
function ruleFor(ctx: OperationContext, repo: RepoRecord, branch: string): ProtectionRecord | undefined {
  const rules = ctx.state.protections.filter((p) => p.repo === repo.fullName);
  return (
    rules.find((p) => p.branch === branch) ?? rules.find((p) => /[*?]/.test(p.branch) && globMatches(p.branch, branch))
  );
}

/** Gitea's globs: `*` within a `/`-separated segment, `**` across them, `?` one character. */
function globMatches(glob: string, value: string): boolean {
  const source = glob
    .split('**')
    .map((part) =>
      part
        .split('*')
        .map((piece) =>
          piece
            .split('?')
            .map((text) => text.replace(/[\\^$.|+(){}[\]]/g, '\\$&'))
            .join('[^/]'),
        )
        .join('[^/]*'),
    )
    .join('.*');
  return new RegExp(`^${source}$`).test(value);
}

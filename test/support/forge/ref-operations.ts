/**
 * Branches and tags changing, however it happened (a push over HTTP, a test's commit, a merge, a
 * branch deleted in the UI), and what Forgejo does about it: `create` + `push` for a new ref,
 * `push` then `pull_request_sync` for a PR's head, closing the PRs of a deleted branch and then
 * `delete` (Gitea `services/repository/push.go`, `services/pull/pull.go`).
 */
import {
  commitFiles,
  commitsBetween,
  deleteRef,
  diffStats,
  mergeBaseOf,
  mergesCleanly,
  readRefs,
  resolveRef,
  ZERO_SHA,
} from './git-repos.js';
import { actorLogin, emitIssueOrPull, touch } from './issue-operations.js';
import { ForgeRefusal, repoFor, signatureOf, type OperationContext } from './operation-context.js';
import { pullPayload, pushPayload, refPayload } from './payloads.js';
import type { IssueRecord, RepoRecord } from './state.js';

export async function pushCommit(
  ctx: OperationContext,
  actor: string,
  repoName: string,
  input: { branch: string; files: Readonly<Record<string, string | null>>; message?: string },
): Promise<{ before: string; after: string }> {
  const repo = repoFor(ctx, actor, repoName, 'write');
  const login = actorLogin(ctx, actor);
  const before = await readRefs(repo.gitDir);
  const result = await commitFiles(repo.gitDir, {
    branch: input.branch,
    from: repo.defaultBranch,
    files: input.files,
    message: input.message ?? 'Update files',
    author: signatureOf(login),
  });
  await refsChanged(ctx, login, repo, before, await readRefs(repo.gitDir));
  return result;
}

export async function deleteBranch(
  ctx: OperationContext,
  actor: string,
  repoName: string,
  branch: string,
): Promise<void> {
  const repo = repoFor(ctx, actor, repoName, 'write');
  if (branch === repo.defaultBranch) throw new ForgeRefusal('forbidden', 'the default branch cannot be deleted');
  const ref = `refs/heads/${branch}`;
  const sha = await resolveRef(repo.gitDir, ref);
  if (sha === undefined) throw new ForgeRefusal('not-found', `branch ${branch} not found`);
  await deleteRef(repo.gitDir, ref);
  refDeleted(ctx, actorLogin(ctx, actor), repo, ref, sha);
}

/** Everything Forgejo sends after refs moved from `before` to `after`. */
export async function refsChanged(
  ctx: OperationContext,
  pusher: string,
  repo: RepoRecord,
  before: ReadonlyMap<string, string>,
  after: ReadonlyMap<string, string>,
): Promise<void> {
  const refs = [...new Set([...before.keys(), ...after.keys()])].sort();
  for (const ref of refs) {
    const old = before.get(ref);
    const now = after.get(ref);
    if (old === now) continue;
    if (now === undefined) {
      refDeleted(ctx, pusher, repo, ref, old ?? ZERO_SHA);
      continue;
    }
    if (old === undefined) {
      ctx.hooks.emit(
        'create',
        refPayload(
          ctx.render,
          'create',
          { repo: repo.fullName, ref: refName(ctx, ref), refType: refTypeOf(ref), sha: now },
          pusher,
        ),
      );
      const others = [...before.values()];
      await emitPush(ctx, pusher, repo, { ref, before: ZERO_SHA, after: now, exclude: others });
    } else {
      await emitPush(ctx, pusher, repo, { ref, before: old, after: now, exclude: [old] });
    }
    await branchMoved(ctx, pusher, repo, ref, now);
  }
}

export async function emitPush(
  ctx: OperationContext,
  pusher: string,
  repo: RepoRecord,
  push: { ref: string; before: string; after: string; exclude: readonly string[] },
): Promise<void> {
  const commits = await commitsBetween(repo.gitDir, push.after, push.exclude);
  repo.updatedAt = ctx.state.now();
  ctx.hooks.emit(
    'push',
    pushPayload(
      ctx.render,
      { repo: repo.fullName, ref: push.ref, before: push.before, after: push.after, commits },
      pusher,
    ),
  );
}

/** Open PRs follow their branches: a new head is a `synchronized` PR, a new base only new data. */
export async function branchMoved(
  ctx: OperationContext,
  pusher: string,
  repo: RepoRecord,
  ref: string,
  sha: string,
): Promise<void> {
  if (!ref.startsWith('refs/heads/')) return;
  const branch = ref.slice('refs/heads/'.length);
  for (const issue of openPulls(ctx, repo)) {
    const pull = issue.pull;
    if (pull.baseRef === branch) pull.baseSha = sha;
    if (pull.headRef !== branch && pull.baseRef !== branch) continue;
    if (pull.headRef === branch) pull.headSha = sha;
    pull.mergeBase = await mergeBaseOf(repo.gitDir, pull.baseSha, pull.headSha);
    pull.diff = await diffStats(repo.gitDir, pull.baseSha, pull.headSha);
    pull.mergeable = await mergesCleanly(repo.gitDir, pull.baseSha, pull.headSha);
    if (pull.headRef !== branch) continue;
    touch(ctx, issue);
    ctx.hooks.emit('pull_request_sync', pullPayload(ctx.render, 'synchronized', issue, pusher));
  }
}

function refDeleted(ctx: OperationContext, pusher: string, repo: RepoRecord, ref: string, sha: string): void {
  if (ref.startsWith('refs/heads/')) closeBranchPulls(ctx, pusher, repo, ref.slice('refs/heads/'.length));
  ctx.hooks.emit(
    'delete',
    refPayload(
      ctx.render,
      'delete',
      { repo: repo.fullName, ref: refName(ctx, ref), refType: refTypeOf(ref), sha },
      pusher,
    ),
  );
}

/** Deleting a branch closes the open PRs from or into it (Gitea `CloseBranchPulls`). */
function closeBranchPulls(ctx: OperationContext, pusher: string, repo: RepoRecord, branch: string): void {
  for (const issue of openPulls(ctx, repo)) {
    if (issue.pull.headRef !== branch && issue.pull.baseRef !== branch) continue;
    issue.state = 'closed';
    touch(ctx, issue);
    issue.closedAt = issue.updatedAt;
    emitIssueOrPull(ctx, issue, 'closed', pusher);
  }
}

type OpenPull = IssueRecord & { pull: NonNullable<IssueRecord['pull']> };

function openPulls(ctx: OperationContext, repo: RepoRecord): OpenPull[] {
  return ctx.state.issues.filter(
    (issue): issue is OpenPull => issue.repo === repo.fullName && issue.pull !== undefined && issue.state === 'open',
  );
}

const refTypeOf = (ref: string): 'branch' | 'tag' => (ref.startsWith('refs/tags/') ? 'tag' : 'branch');

/** Forgejo names the ref in `create`/`delete` in full; Gitea gives the short name. */
function refName(ctx: OperationContext, ref: string): string {
  if (ctx.flavour === 'forgejo') return ref;
  return ref.replace(/^refs\/(heads|tags)\//, '');
}

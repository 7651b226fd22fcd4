/**
 * Commit statuses, as Gitea's `NewCommitStatus` makes them: a user with write access posts one
 * on a commit that exists (an empty context is `default`), Actions posts them for its jobs, and
 * on Gitea (1.23 and later) each one is delivered as a `status` webhook — Forgejo has no such
 * hook event (`modules/webhook/type.go`): its statuses are read through the API. A status may complete the checks a scheduled merge
 * waits for, so the double then looks at the scheduled merges of that commit.
 */
import { actionsUser, statusPayload } from './ci-render.js';
import type { CommitStatusRecord, StatusState } from './ci-state.js';
import { commitOf, resolveRef } from './git-repos.js';
import { runScheduledMerges } from './merge-operations.js';
import { actorLogin } from './issue-operations.js';
import { ForgeRefusal, repoFor, type OperationContext } from './operation-context.js';
import type { RepoRecord } from './state.js';

export interface StatusInput {
  readonly state: string;
  readonly context?: string;
  readonly description?: string;
  readonly targetUrl?: string;
}

const STATES: readonly string[] = ['pending', 'success', 'error', 'failure', 'warning', 'skipped'];
const isState = (value: string): value is StatusState => STATES.includes(value);

/** `POST /repos/{o}/{r}/statuses/{sha}`, or a person's CI posting one. */
export async function postStatus(
  ctx: OperationContext,
  actor: string,
  repoName: string,
  sha: string,
  input: StatusInput,
): Promise<CommitStatusRecord> {
  const repo = repoFor(ctx, actor, repoName, 'write');
  if (!isState(input.state)) throw new ForgeRefusal('bad-request', `invalid commit status state ${input.state}`);
  const commit = await resolveRef(repo.gitDir, sha);
  if (commit === undefined) throw new ForgeRefusal('not-found', `commit ${sha} does not exist`);
  return recordStatus(ctx, repo, commit, { ...input, state: input.state }, actorLogin(ctx, actor));
}

/** A status from the forge's own Actions, created by its bot user. */
export function postActionsStatus(
  ctx: OperationContext,
  repo: RepoRecord,
  sha: string,
  input: StatusInput & { state: StatusState },
): Promise<CommitStatusRecord> {
  return recordStatus(ctx, repo, sha, input, actionsUser(ctx.flavour));
}

async function recordStatus(
  ctx: OperationContext,
  repo: RepoRecord,
  sha: string,
  input: StatusInput & { state: StatusState },
  creator: string,
): Promise<CommitStatusRecord> {
  const status: CommitStatusRecord = {
    id: ctx.state.nextId('status'),
    repo: repo.fullName,
    sha,
    state: input.state,
    context: input.context?.trim() || 'default',
    description: input.description ?? '',
    targetUrl: input.targetUrl ?? '',
    creator,
    createdAt: ctx.state.now(),
  };
  ctx.state.ci.statuses.push(status);
  const commit = await commitOf(repo.gitDir, sha);
  if (commit !== undefined && ctx.flavour === 'gitea')
    ctx.hooks.emit('status', statusPayload(ctx.render, status, commit));
  await runScheduledMerges(ctx, repo, sha);
  return status;
}

/** The statuses of a commit, newest first. */
export function statusesOf(ctx: OperationContext, repo: RepoRecord, sha: string): CommitStatusRecord[] {
  return ctx.state.ci.statuses.filter((s) => s.repo === repo.fullName && s.sha === sha).sort((a, b) => b.id - a.id);
}

/**
 * What every state-changing operation of the double shares: the state, the renderer, the webhook
 * sender, the typed error an operation refuses with, and the access checks Forgejo makes first.
 * The REST routes and the test actors call the same operations, so a change made through the API
 * by the service and one made by "alice" in a test send the same webhooks.
 */
import type { RenderContext } from './render.js';
import { canWrite, type ForgeState, type IssueRecord, type RepoRecord } from './state.js';
import type { ForgeFlavour, WebhookSender } from './webhooks.js';

export interface OperationContext {
  readonly state: ForgeState;
  readonly render: RenderContext;
  readonly hooks: WebhookSender;
  readonly flavour: ForgeFlavour;
}

/**
 * `precondition`: Gitea's 412 (closing an issue that still has open dependencies); `failed`: an
 * error Gitea answers with a 500 although it is the caller's (a dependency that exists already);
 * `bad-request`: Gitea's 400 (a commit status with an unknown state); `not-allowed`: its 405 (a
 * merge that branch protection, a conflict or the merger's rights stop).
 */
export type RefusalKind =
  | 'not-found'
  | 'forbidden'
  | 'conflict'
  | 'invalid'
  | 'precondition'
  | 'failed'
  | 'bad-request'
  | 'not-allowed';

/** An operation the forge refuses; the REST layer answers it with the matching status. */
export class ForgeRefusal extends Error {
  readonly code = 'FORGE_REFUSAL';
  constructor(
    readonly kind: RefusalKind,
    message: string,
  ) {
    super(message);
    this.name = 'ForgeRefusal';
  }
}

export const STATUS_OF_REFUSAL: Record<RefusalKind, number> = {
  'not-found': 404,
  forbidden: 403,
  conflict: 409,
  invalid: 422,
  precondition: 412,
  failed: 500,
  'bad-request': 400,
  'not-allowed': 405,
};

/** The repository as `actor` may see it; a private one without access is "not found", as on Forgejo. */
export function repoFor(ctx: OperationContext, actor: string, name: string, need: 'read' | 'write'): RepoRecord {
  const repo = ctx.state.repo(name);
  const permission = repo === undefined ? 'none' : ctx.state.permission(repo, actor);
  if (repo === undefined || permission === 'none') throw new ForgeRefusal('not-found', `repository ${name} not found`);
  if (need === 'write' && !canWrite(permission))
    throw new ForgeRefusal('forbidden', `${actor} may not write to ${name}`);
  return repo;
}

/** The repository when `actor` administers it (its owner, a site admin, an admin collaborator); 403 otherwise. */
export function adminRepoFor(ctx: OperationContext, actor: string, name: string): RepoRecord {
  const repo = repoFor(ctx, actor, name, 'read');
  const permission = ctx.state.permission(repo, actor);
  if (permission !== 'owner' && permission !== 'admin')
    throw new ForgeRefusal('forbidden', `${actor} is not an administrator of ${repo.fullName}`);
  return repo;
}

export function issueIn(ctx: OperationContext, repo: RepoRecord, number: number): IssueRecord {
  const issue = ctx.state.issue(repo.fullName, number);
  if (issue === undefined) throw new ForgeRefusal('not-found', `issue ${repo.fullName}#${number} not found`);
  return issue;
}

export function pullIn(
  ctx: OperationContext,
  repo: RepoRecord,
  number: number,
): IssueRecord & { pull: NonNullable<IssueRecord['pull']> } {
  const issue = issueIn(ctx, repo, number);
  if (issue.pull === undefined)
    throw new ForgeRefusal('not-found', `pull request ${repo.fullName}#${number} not found`);
  return issue as IssueRecord & { pull: NonNullable<IssueRecord['pull']> };
}

export function mayWrite(ctx: OperationContext, repo: RepoRecord, actor: string): boolean {
  return canWrite(ctx.state.permission(repo, actor));
}

/** The git identity a forge user commits and merges as. */
export const signatureOf = (login: string): { name: string; email: string } => ({
  name: login,
  email: `${login}@noreply.localhost`,
});

/**
 * Native issue dependencies ("depends on" / "blocked by"), as Gitea's
 * `routers/api/v1/repo/issue_dependency.go` and `models/issues/dependency.go` keep them:
 *
 * - a repository whose tracker has dependencies turned off answers 404, and so does an issue the
 *   user may not write (adding or removing) or a dependency it may not read;
 * - the dependency is named by `IssueMeta` (`owner`, `repo`, `index`); an owner and name other than
 *   the path's (compared as written) is a cross-repository dependency, allowed by default;
 * - adding one that exists, or the reverse of one that exists, and removing one that does not are
 *   errors Gitea answers with a 500;
 * - each change writes a timeline entry on both issues (`add_dependency`, `remove_dependency`),
 *   which moves both issues' `updated_at`, and sends **no webhook** (Gitea's notifier has none);
 * - an issue with an open dependency cannot be closed (412, `editIssue`).
 *
 * A cross-repository dependency the reader may not read is left out of a list here; Gitea shows it
 * as an issue titled "HIDDEN".
 */
import { actorLogin, recordTimeline, touch } from './issue-operations.js';
import { ForgeRefusal, issueIn, mayWrite, repoFor, type OperationContext } from './operation-context.js';
import { dependenciesOf, type IssueRecord } from './state.js';

/** What Gitea's `ctx.NotFound()` says when it names nothing. */
const NOT_FOUND = "The target couldn't be found.";

/** Gitea's `IssueMeta`: the other issue of a dependency. */
export interface IssueMeta {
  readonly owner?: string;
  readonly repo?: string;
  readonly index: number;
}

/** The issues `number` depends on (`GET …/issues/{index}/dependencies`). */
export function listDependencies(
  ctx: OperationContext,
  actor: string,
  repoName: string,
  number: number,
): IssueRecord[] {
  const repo = repoFor(ctx, actor, repoName, 'read');
  if (!repo.dependenciesEnabled) throw new ForgeRefusal('not-found', NOT_FOUND);
  const issue = issueIn(ctx, repo, number);
  return dependenciesOf(ctx.state, issue).filter((other) => readable(ctx, actor, other.repo));
}

/** Makes `number` depend on `meta` (`POST …/issues/{index}/dependencies`); answers `number`. */
export function addDependency(
  ctx: OperationContext,
  actor: string,
  repoName: string,
  number: number,
  meta: IssueMeta,
): IssueRecord {
  const { target, dependency } = pair(ctx, actor, repoName, number, meta);
  const exists = (a: IssueRecord, b: IssueRecord): boolean =>
    ctx.state.dependencies.some((record) => sameIssue(record.issue, a) && sameIssue(record.dependsOn, b));
  if (exists(target, dependency))
    throw new ForgeRefusal(
      'failed',
      `issue dependency does already exist [issue id: ${target.id}, dependency id: ${dependency.id}]`,
    );
  if (exists(dependency, target))
    throw new ForgeRefusal(
      'failed',
      `circular dependencies exists (two issues blocking each other) [issue id: ${target.id}, dependency id: ${dependency.id}]`,
    );
  const login = actorLogin(ctx, actor);
  ctx.state.dependencies.push({
    id: ctx.state.nextId('dependency'),
    issue: { repo: target.repo, number: target.number },
    dependsOn: { repo: dependency.repo, number: dependency.number },
    by: login,
    createdAt: ctx.state.now(),
  });
  recordBoth(ctx, login, 'add_dependency', target, dependency);
  return target;
}

/** Removes the dependency of `number` on `meta` (`DELETE …/issues/{index}/dependencies`); answers `number`. */
export function removeDependency(
  ctx: OperationContext,
  actor: string,
  repoName: string,
  number: number,
  meta: IssueMeta,
): IssueRecord {
  const { target, dependency } = pair(ctx, actor, repoName, number, meta);
  const index = ctx.state.dependencies.findIndex(
    (record) => sameIssue(record.issue, target) && sameIssue(record.dependsOn, dependency),
  );
  if (index < 0)
    throw new ForgeRefusal(
      'failed',
      `issue dependency does not exist [issue id: ${target.id}, dependency id: ${dependency.id}]`,
    );
  ctx.state.dependencies.splice(index, 1);
  recordBoth(ctx, actorLogin(ctx, actor), 'remove_dependency', target, dependency);
  return target;
}

/** The target and the dependency, checked in Gitea's order; every refusal but a cross-repository one is a 404. */
function pair(
  ctx: OperationContext,
  actor: string,
  repoName: string,
  number: number,
  meta: IssueMeta,
): { target: IssueRecord; dependency: IssueRecord } {
  const repo = repoFor(ctx, actor, repoName, 'read');
  const target = issueIn(ctx, repo, number);
  const sameRepo = meta.owner === repo.owner && meta.repo === repo.name;
  const otherRepo = sameRepo ? repo : ctx.state.repo(`${meta.owner ?? ''}/${meta.repo ?? ''}`);
  if (otherRepo === undefined) throw new ForgeRefusal('not-found', `repository ${meta.owner}/${meta.repo} not found`);
  const dependency = issueIn(ctx, otherRepo, meta.index);
  if (!repo.dependenciesEnabled) throw new ForgeRefusal('not-found', NOT_FOUND);
  if (!mayWrite(ctx, repo, actor)) throw new ForgeRefusal('not-found', NOT_FOUND);
  if (!readable(ctx, actor, otherRepo.fullName)) throw new ForgeRefusal('not-found', NOT_FOUND);
  return { target, dependency };
}

/** One timeline entry on each issue, naming the other, and both issues' `updated_at` moved. */
function recordBoth(
  ctx: OperationContext,
  login: string,
  type: 'add_dependency' | 'remove_dependency',
  target: IssueRecord,
  dependency: IssueRecord,
): void {
  for (const [issue, other] of [
    [target, dependency],
    [dependency, target],
  ] as const) {
    touch(ctx, issue);
    recordTimeline(ctx, issue, {
      type,
      actor: login,
      body: '',
      dependentIssue: { repo: other.repo, number: other.number },
    });
  }
}

function readable(ctx: OperationContext, actor: string, repoName: string): boolean {
  const repo = ctx.state.repo(repoName);
  return repo !== undefined && ctx.state.permission(repo, actor) !== 'none';
}

const sameIssue = (a: { repo: string; number: number }, b: { repo: string; number: number }): boolean =>
  a.repo.toLowerCase() === b.repo.toLowerCase() && a.number === b.number;

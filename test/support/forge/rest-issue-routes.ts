/**
 * REST routes for the user, repositories, issues, comments, labels, issue dependencies and
 * permissions, answering as
 * Gitea's `routers/api/v1` does (status codes, filters, ordering: issues newest first, comments
 * and timeline entries oldest first; `since`/`before` compare `updated_at`, so edited comments
 * come back).
 */
import {
  addLabels,
  commentIn,
  createComment,
  deleteComment,
  editComment,
  editIssue,
  openIssue,
  removeLabel,
  type IssueEdit,
} from './issue-operations.js';
import { addDependency, listDependencies, removeDependency, type IssueMeta } from './dependency-operations.js';
import { ForgeRefusal, issueIn, repoFor, type OperationContext } from './operation-context.js';
import { apiComment, apiIssue, apiLabel, apiRepo, apiTimelineEntry, apiUser } from './render.js';
import {
  arrayField,
  ok,
  paginate,
  route,
  seconds,
  stringField,
  timeParam,
  type ApiRequest,
  type Route,
} from './rest-router.js';
import type { CommentRecord, IssueRecord } from './state.js';

const repoName = (params: Readonly<Record<string, string>>): string => `${params.owner}/${params.repo}`;
const intParam = (params: Readonly<Record<string, string>>, name: string): number =>
  Number.parseInt(params[name] ?? '', 10);

export function issueRoutes(ctx: OperationContext): Route[] {
  const r = ctx.render;
  return [
    route('GET', '/user', (req) => ok(apiUser(r, req.user, { revealAdmin: true }))),
    route('GET', '/repos/{owner}/{repo}', (req, params) => {
      const repo = repoFor(ctx, req.user.login, repoName(params), 'read');
      return ok(apiRepo(r, repo, ctx.state.permission(repo, req.user.login)));
    }),
    // Nobody stars anything in the double; onboarding asks only to learn whether a token may read.
    route('GET', '/repos/{owner}/{repo}/stargazers', (req, params) => {
      repoFor(ctx, req.user.login, repoName(params), 'read');
      const { page, headers } = paginate([], req);
      return ok(page, 200, headers);
    }),
    route('GET', '/repos/{owner}/{repo}/collaborators/{collaborator}/permission', (req, params) => {
      const repo = repoFor(ctx, req.user.login, repoName(params), 'read');
      const own = ctx.state.permission(repo, req.user.login);
      const asked = params.collaborator ?? '';
      if (
        !req.user.admin &&
        req.user.login.toLowerCase() !== asked.toLowerCase() &&
        own !== 'owner' &&
        own !== 'admin'
      ) {
        throw new ForgeRefusal(
          'forbidden',
          'Only admins can query all permissions, repo admins can query all repo permissions, collaborators can query only their own',
        );
      }
      const user = ctx.state.user(asked);
      if (user === undefined) throw new ForgeRefusal('not-found', `user ${asked} does not exist`);
      const permission = ctx.state.permission(repo, user.login);
      return ok({ permission, role_name: permission, user: apiUser(r, user) });
    }),
    route('GET', '/repos/{owner}/{repo}/issues', (req, params) => {
      const repo = repoFor(ctx, req.user.login, repoName(params), 'read');
      const matches = issueFilter(ctx, req);
      const found = ctx.state.issues
        .filter((issue) => issue.repo === repo.fullName && matches(issue))
        .sort((a, b) => b.id - a.id);
      const { page, headers } = paginate(found, req);
      return ok(
        page.map((issue) => apiIssue(r, issue)),
        200,
        headers,
      );
    }),
    route('POST', '/repos/{owner}/{repo}/issues', (req, params) => {
      const title = stringField(req.body, 'title');
      if (title === undefined) throw new ForgeRefusal('invalid', 'title is required');
      const labelIds = (arrayField(req.body, 'labels') ?? []).filter((id): id is number => typeof id === 'number');
      return ok(
        apiIssue(
          r,
          openIssue(ctx, req.user.login, repoName(params), { title, body: stringField(req.body, 'body'), labelIds }),
        ),
        201,
      );
    }),
    route('GET', '/repos/{owner}/{repo}/issues/comments', (req, params) => {
      const repo = repoFor(ctx, req.user.login, repoName(params), 'read');
      const found = ctx.state.comments.filter(
        (comment) => comment.repo === repo.fullName && updatedWithin(req)(comment),
      );
      const { page, headers } = paginate(found, req);
      return ok(
        page.map((comment) => apiComment(r, comment)),
        200,
        headers,
      );
    }),
    route('GET', '/repos/{owner}/{repo}/issues/comments/{id}', (req, params) => {
      const repo = repoFor(ctx, req.user.login, repoName(params), 'read');
      return ok(apiComment(r, commentIn(ctx, repo, intParam(params, 'id'))));
    }),
    route('PATCH', '/repos/{owner}/{repo}/issues/comments/{id}', (req, params) => {
      const body = stringField(req.body, 'body');
      if (body === undefined) throw new ForgeRefusal('invalid', 'body is required');
      return ok(apiComment(r, editComment(ctx, req.user.login, repoName(params), intParam(params, 'id'), body)));
    }),
    route('DELETE', '/repos/{owner}/{repo}/issues/comments/{id}', (req, params) => {
      deleteComment(ctx, req.user.login, repoName(params), intParam(params, 'id'));
      return { status: 204 };
    }),
    route('GET', '/repos/{owner}/{repo}/issues/{index}', (req, params) => {
      const repo = repoFor(ctx, req.user.login, repoName(params), 'read');
      return ok(apiIssue(r, issueIn(ctx, repo, intParam(params, 'index'))));
    }),
    route('PATCH', '/repos/{owner}/{repo}/issues/{index}', (req, params) => {
      const state = stringField(req.body, 'state');
      if (state !== undefined && state !== 'open' && state !== 'closed')
        throw new ForgeRefusal('invalid', `unknown state ${state}`);
      const edit: IssueEdit = { title: stringField(req.body, 'title'), body: stringField(req.body, 'body'), state };
      // Gitea answers an edit with 201.
      return ok(apiIssue(r, editIssue(ctx, req.user.login, repoName(params), intParam(params, 'index'), edit)), 201);
    }),
    route('GET', '/repos/{owner}/{repo}/issues/{index}/comments', (req, params) => {
      const repo = repoFor(ctx, req.user.login, repoName(params), 'read');
      const issue = issueIn(ctx, repo, intParam(params, 'index'));
      const within = updatedWithin(req);
      const found = ctx.state.comments.filter(
        (comment) => comment.repo === repo.fullName && comment.issueNumber === issue.number && within(comment),
      );
      return ok(found.map((comment) => apiComment(r, comment)));
    }),
    route('POST', '/repos/{owner}/{repo}/issues/{index}/comments', (req, params) => {
      const body = stringField(req.body, 'body');
      if (body === undefined) throw new ForgeRefusal('invalid', 'body is required');
      return ok(
        apiComment(r, createComment(ctx, req.user.login, repoName(params), intParam(params, 'index'), body)),
        201,
      );
    }),
    route('GET', '/repos/{owner}/{repo}/issues/{index}/timeline', (req, params) => {
      const repo = repoFor(ctx, req.user.login, repoName(params), 'read');
      const issue = issueIn(ctx, repo, intParam(params, 'index'));
      const within = updatedWithin(req);
      const onIssue = (record: { repo: string; issueNumber: number }): boolean =>
        record.repo === repo.fullName && record.issueNumber === issue.number;
      const comments = ctx.state.comments
        .filter((comment) => onIssue(comment) && within(comment))
        .map((comment) => ({ ...comment, type: 'comment' as const }));
      const events = ctx.state.timeline.filter((entry) => onIssue(entry) && within({ updatedAt: entry.createdAt }));
      const found = [...comments, ...events].sort((a, b) => a.id - b.id);
      const { page, headers } = paginate(found, req);
      return ok(
        page.map((entry) => apiTimelineEntry(r, entry)),
        200,
        headers,
      );
    }),
    route('GET', '/repos/{owner}/{repo}/issues/{index}/dependencies', (req, params) => {
      const found = listDependencies(ctx, req.user.login, repoName(params), intParam(params, 'index'));
      // Gitea pages this list but sends no X-Total-Count or Link with it.
      const { page } = paginate(found, req);
      return ok(page.map((issue) => apiIssue(r, issue)));
    }),
    route('POST', '/repos/{owner}/{repo}/issues/{index}/dependencies', (req, params) =>
      ok(
        apiIssue(r, addDependency(ctx, req.user.login, repoName(params), intParam(params, 'index'), issueMeta(req))),
        201,
      ),
    ),
    // Gitea answers a removal with 201, though its swagger documents 200 (openapi-check.ts).
    route('DELETE', '/repos/{owner}/{repo}/issues/{index}/dependencies', (req, params) =>
      ok(
        apiIssue(r, removeDependency(ctx, req.user.login, repoName(params), intParam(params, 'index'), issueMeta(req))),
        201,
      ),
    ),
    route('POST', '/repos/{owner}/{repo}/issues/{index}/labels', (req, params) => {
      const labels = (arrayField(req.body, 'labels') ?? []).filter(
        (label): label is string | number => typeof label === 'string' || typeof label === 'number',
      );
      const issue = addLabels(ctx, req.user.login, repoName(params), intParam(params, 'index'), labels);
      const repo = repoFor(ctx, req.user.login, issue.repo, 'read');
      return ok(
        repo.labels.filter((label) => issue.labels.includes(label.name)).map((label) => apiLabel(r, issue.repo, label)),
      );
    }),
    route('DELETE', '/repos/{owner}/{repo}/issues/{index}/labels/{id}', (req, params) => {
      removeLabel(ctx, req.user.login, repoName(params), intParam(params, 'index'), intParam(params, 'id'));
      return { status: 204 };
    }),
    route('GET', '/repos/{owner}/{repo}/labels', (req, params) => {
      const repo = repoFor(ctx, req.user.login, repoName(params), 'read');
      const { page, headers } = paginate(repo.labels, req);
      return ok(
        page.map((label) => apiLabel(r, repo.fullName, label)),
        200,
        headers,
      );
    }),
  ];
}

/** The body's `IssueMeta`; Gitea reads a missing `index` as 0, an issue no repository has. */
function issueMeta(req: ApiRequest): IssueMeta {
  const body = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as Record<string, unknown>;
  return {
    owner: stringField(body, 'owner'),
    repo: stringField(body, 'repo'),
    index: typeof body.index === 'number' ? body.index : 0,
  };
}

function updatedWithin(req: ApiRequest): (record: Pick<CommentRecord, 'updatedAt'>) => boolean {
  const since = checkedTime(req, 'since');
  const before = checkedTime(req, 'before');
  return (comment) =>
    (since === undefined || seconds(comment.updatedAt) >= since) &&
    (before === undefined || seconds(comment.updatedAt) <= before);
}

function issueFilter(ctx: OperationContext, req: ApiRequest): (issue: IssueRecord) => boolean {
  const state = req.query.get('state') ?? 'open';
  const type = req.query.get('type');
  const since = checkedTime(req, 'since');
  const before = checkedTime(req, 'before');
  const createdBy = req.query.get('created_by');
  const assignedBy = req.query.get('assigned_by');
  const mentionedBy = req.query.get('mentioned_by');
  const labels =
    req.query
      .get('labels')
      ?.split(',')
      .filter((name) => name !== '') ?? [];
  const q = req.query.get('q')?.toLowerCase();
  const mentions = (issue: IssueRecord, login: string): boolean =>
    [
      issue.body,
      ...ctx.state.comments.filter((c) => c.repo === issue.repo && c.issueNumber === issue.number).map((c) => c.body),
    ].some((text) => text.toLowerCase().includes(`@${login.toLowerCase()}`));
  return (issue) =>
    (state === 'all' || issue.state === state) &&
    (type !== 'issues' || issue.pull === undefined) &&
    (type !== 'pulls' || issue.pull !== undefined) &&
    (since === undefined || seconds(issue.updatedAt) >= since) &&
    (before === undefined || seconds(issue.updatedAt) <= before) &&
    (createdBy === null || issue.author.toLowerCase() === createdBy.toLowerCase()) &&
    (assignedBy === null || issue.assignees.some((login) => login.toLowerCase() === assignedBy.toLowerCase())) &&
    (mentionedBy === null || mentions(issue, mentionedBy)) &&
    (labels.length === 0 || issue.labels.some((name) => labels.includes(name))) &&
    (q === undefined || `${issue.title}\n${issue.body}`.toLowerCase().includes(q));
}

function checkedTime(req: ApiRequest, name: string): number | undefined {
  const value = timeParam(req, name);
  if (value === 'invalid') throw new ForgeRefusal('invalid', `${name} is not an RFC 3339 time`);
  return value;
}

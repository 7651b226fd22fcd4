/**
 * The forge port (`../client.ts`) over Forgejo's and Gitea's REST API (`/api/v1`), as one user:
 * `Authorization: token <PAT>` with the scheme in lower case (Forgejo v9 accepts nothing else).
 *
 * Lists are read page by page (`page` from 1, `limit` 50, the server's maximum by default) until
 * a short or empty page, or until `X-Total-Count` items have come — a server configured with a
 * smaller maximum then still gets read to the end. Every response goes through a zod schema
 * (`schema.ts`); an answer that does not fit is a `ForgeApiError` like a failed call, naming the
 * field. A `RepoRef.host` is the lower-cased host (with port) of `baseUrl`.
 */
import type { z } from 'zod';
import { createCheckCalls } from './checks.js';
import { createTransport } from './transport.js';
import { ForgeApiError, type ForgeClient, type IssueDependency, type RepoName } from '../client.js';
import type { Logger } from '../../lib/logger.js';
import type { Secret } from '../../lib/secret.js';
import {
  CollaboratorPermission,
  Comment,
  CreatedIssue,
  CreatedPull,
  CurrentUser,
  DependencyIssue,
  Issue,
  PullDiffStat,
  PullRequest,
  PullReview,
  RepoLabel,
  Repository,
  ReviewComment,
  TimelineComment,
} from './schema.js';
import {
  issueNumberOf,
  toComment,
  toDependency,
  toIssue,
  toPermission,
  toPull,
  toRepo,
  toReview,
  toReviewComment,
  toReviewSummary,
  toTimelineEntry,
} from './to-refs.js';

export interface GiteaClientOptions {
  /** The forge's web URL (`https://forge.example.com`, a sub-path allowed); the API is `/api/v1` below it. */
  readonly baseUrl: string;
  readonly token: Secret;
  readonly fetch?: typeof fetch;
  readonly log: Logger;
  /** Per request; 30 s when omitted. */
  readonly timeoutMs?: number;
}

/** A repository or user name that cannot be part of an API path; checked before any request. */
export class InvalidForgeNameError extends Error {
  readonly code = 'INVALID_FORGE_NAME';
  constructor(readonly value: string) {
    super(
      `${JSON.stringify(value)} is not a valid forge name: expected owner/name (or a login) of letters, digits, _ . -`,
    );
    this.name = 'InvalidForgeNameError';
  }
}

const PAGE_LIMIT = 50;
/** A server that ignores `page` would otherwise be read forever. */
const MAX_PAGES = 200;
const NAME = /^[A-Za-z0-9_.-]+$/;

type Query = Readonly<Record<string, string | number>>;

interface Answer {
  readonly status: number;
  readonly json: unknown;
  readonly headers: Headers;
  readonly text: string;
  /** Bytes left out before `text` when only a tail was read (a job's log). */
  readonly omitted: number;
}

export function createGiteaClient(options: GiteaClientOptions): ForgeClient {
  const host = new URL(options.baseUrl).host.toLowerCase();
  const transport = createTransport(options);
  const { log } = options;

  async function call(
    method: string,
    path: string,
    request: { query?: Query; body?: unknown; allow?: readonly number[]; tailBytes?: number } = {},
  ): Promise<Answer> {
    const search = new URLSearchParams(
      Object.entries(request.query ?? {}).map(([key, value]): [string, string] => [key, String(value)]),
    ).toString();
    const target = search === '' ? path : `${path}?${search}`;
    const started = Date.now();
    const response = await transport(method, target, {
      authorization: `token ${options.token.reveal()}`,
      body: request.body,
      tailBytes: request.tailBytes,
    }).catch((error: unknown) => {
      log.warn({ method, path: target, err: error }, 'forge API call got no response');
      throw error;
    });
    const { text } = response;
    log.debug({ method, path: target, status: response.status, ms: Date.now() - started }, 'forge API call');
    const allowed = response.ok || (request.allow ?? []).includes(response.status);
    if (!allowed) {
      log.warn({ method, path: target, status: response.status }, 'forge API call failed');
      throw new ForgeApiError(method, target, response.status, text);
    }
    const answer = { status: response.status, headers: response.headers, text, omitted: response.omitted };
    // A tail (a job's log) is text, and may start anywhere.
    if (request.tailBytes !== undefined) return { ...answer, json: undefined };
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      throw new ForgeApiError(method, target, response.status, `response is not JSON: ${text}`);
    }
    return { ...answer, json };
  }

  function parse<S extends z.ZodType>(schema: S, answer: Answer, method: string, path: string): z.infer<S> {
    const parsed = schema.safeParse(answer.json);
    if (parsed.success) return parsed.data;
    const problems = parsed.error.issues
      .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
      .join('; ');
    throw new ForgeApiError(
      method,
      path,
      answer.status,
      `response does not have the fields the service reads (${problems})`,
    );
  }

  async function get<S extends z.ZodType>(schema: S, path: string, query?: Query): Promise<z.infer<S>> {
    return parse(schema, await call('GET', path, { query }), 'GET', path);
  }

  async function listAll<S extends z.ZodType>(
    schema: S,
    path: string,
    query: Query,
    key: (item: z.infer<S>) => number,
  ): Promise<Array<z.infer<S>>> {
    const byKey = new Map<number, z.infer<S>>();
    for (let page = 1; page <= MAX_PAGES; page++) {
      const answer = await call('GET', path, { query: { ...query, page, limit: PAGE_LIMIT } });
      const items = parse(schema.array(), answer, 'GET', path) as Array<z.infer<S>>;
      // Items may move between pages while we read; the first copy wins.
      for (const item of items) if (!byKey.has(key(item))) byKey.set(key(item), item);
      const total = Number.parseInt(answer.headers.get('x-total-count') ?? '', 10);
      if (items.length === 0) break;
      if (Number.isFinite(total) ? byKey.size >= total : items.length < PAGE_LIMIT) break;
    }
    return [...byKey.values()];
  }

  async function send<S extends z.ZodType>(
    schema: S,
    method: string,
    path: string,
    body: unknown,
  ): Promise<z.infer<S>> {
    return parse(schema, await call(method, path, { body }), method, path);
  }

  /** The dependency list, or undefined on a 404 (no native dependencies here). */
  async function dependencies(repo: RepoName, number: number): Promise<IssueDependency[] | undefined> {
    const path = `${repoPath(repo)}/issues/${positive(number)}/dependencies`;
    // One page first, to tell a 404 from a list without a warning; all pages only past a full one.
    const first = await call('GET', path, { query: { page: 1, limit: PAGE_LIMIT }, allow: [404] });
    if (first.status === 404) return undefined;
    const page = parse(DependencyIssue.array(), first, 'GET', path);
    const all = page.length < PAGE_LIMIT ? page : await listAll(DependencyIssue, path, {}, (issue) => issue.id);
    return all.flatMap((issue) => toDependency(issue) ?? []);
  }

  /**
   * POST or DELETE of one same-repository dependency. A 404 is `unsupported`; a 500 — Gitea's
   * answer to adding one that exists or removing one that does not — is read as done when the
   * list then says so.
   */
  async function changeDependency(
    method: 'POST' | 'DELETE',
    repo: RepoName,
    number: number,
    upstream: number,
  ): Promise<'done' | 'unsupported'> {
    const path = `${repoPath(repo)}/issues/${positive(number)}/dependencies`;
    const [owner, name] = repo.split('/');
    try {
      const answer = await call(method, path, { body: { owner, repo: name, index: positive(upstream) }, allow: [404] });
      return answer.status === 404 ? 'unsupported' : 'done';
    } catch (error) {
      if (!(error instanceof ForgeApiError) || error.status !== 500) throw error;
      const now = await dependencies(repo, number).catch(() => undefined);
      const present = now?.some((dependency) => sameRepo(dependency.repo, repo) && dependency.number === upstream);
      if (present === (method === 'POST')) return 'done';
      throw error;
    }
  }

  async function labelIds(repo: RepoName, names: readonly string[]): Promise<Map<string, number>> {
    const labels = await listAll(RepoLabel, `${repoPath(repo)}/labels`, {}, (label) => label.id);
    return new Map(labels.filter((label) => names.includes(label.name)).map((label) => [label.name, label.id]));
  }

  return {
    whoami: async () => {
      const user = await get(CurrentUser, '/user');
      return { login: user.login, id: user.id };
    },
    getRepository: async (repo) => toRepo(await get(Repository, repoPath(repo)), host),
    async getPermission(repo, login) {
      const path = `${repoPath(repo)}/collaborators/${segment(login)}/permission`;
      const answer = await call('GET', path, { allow: [403, 404] });
      if (answer.status === 403 || answer.status === 404) return 'none';
      return toPermission(parse(CollaboratorPermission, answer, 'GET', path).permission);
    },
    getIssue: async (repo, number) => toIssue(await get(Issue, `${repoPath(repo)}/issues/${positive(number)}`)),
    async editPullBase(repo, number, base) {
      const path = `${repoPath(repo)}/pulls/${positive(number)}`;
      return toPull(parse(PullRequest, await call('PATCH', path, { body: { base } }), 'PATCH', path));
    },
    getPull: async (repo, number) => toPull(await get(PullRequest, `${repoPath(repo)}/pulls/${positive(number)}`)),
    async listIssuesUpdatedSince(repo, since) {
      const issues = await listAll(Issue, `${repoPath(repo)}/issues`, { state: 'all', since }, (issue) => issue.number);
      return issues.map((issue) => toIssue(issue));
    },
    async listCommentsUpdatedSince(repo, since) {
      const comments = await listAll(Comment, `${repoPath(repo)}/issues/comments`, { since }, (comment) => comment.id);
      return comments.flatMap((comment) => {
        const issueNumber = issueNumberOf(comment);
        if (issueNumber !== undefined) return [{ issueNumber, comment: toComment(comment) }];
        log.warn({ repo, commentId: comment.id, htmlUrl: comment.html_url }, 'forge comment names no issue; skipped');
        return [];
      });
    },
    async createComment(repo, issueNumber, body) {
      const path = `${repoPath(repo)}/issues/${positive(issueNumber)}/comments`;
      return toComment(parse(Comment, await call('POST', path, { body: { body } }), 'POST', path));
    },
    async listIssueComments(repo, number, since) {
      // Gitea answers this list in one page, without `page`/`limit`.
      const comments = await get(
        Comment.array(),
        `${repoPath(repo)}/issues/${positive(number)}/comments`,
        since === undefined ? undefined : { since },
      );
      return comments.map((comment) => toComment(comment));
    },
    async listPulls(repo, state) {
      const pulls = await listAll(PullRequest, `${repoPath(repo)}/pulls`, { state }, (pull) => pull.number);
      return pulls.map((pull) => toPull(pull));
    },
    async getPullDiffStat(repo, number) {
      const stat = await get(PullDiffStat, `${repoPath(repo)}/pulls/${positive(number)}`);
      return { changedFiles: stat.changed_files ?? 0, additions: stat.additions ?? 0, deletions: stat.deletions ?? 0 };
    },
    async listPullReviews(repo, number) {
      const reviews = await listAll(
        PullReview,
        `${repoPath(repo)}/pulls/${positive(number)}/reviews`,
        {},
        (review) => review.id,
      );
      return reviews.map((review) => toReview(review)).sort((a, b) => a.id - b.id);
    },
    async listReviewComments(repo, number, reviewId) {
      const comments = await get(
        ReviewComment.array(),
        `${repoPath(repo)}/pulls/${positive(number)}/reviews/${positive(reviewId)}/comments`,
      );
      return comments.map((comment) => toReviewComment(comment));
    },
    async listTimelineSince(repo, number, since) {
      const entries = await listAll(
        TimelineComment,
        `${repoPath(repo)}/issues/${positive(number)}/timeline`,
        { since },
        (entry) => entry.id,
      );
      return entries.flatMap((entry) => toTimelineEntry(entry) ?? []);
    },
    editComment: async (repo, commentId, body) =>
      toComment(await send(Comment, 'PATCH', `${repoPath(repo)}/issues/comments/${positive(commentId)}`, { body })),
    async deleteComment(repo, commentId) {
      // Gitea answers 204, or 404 for a comment that is already gone.
      await call('DELETE', `${repoPath(repo)}/issues/comments/${positive(commentId)}`, { allow: [404] });
    },
    async findOpenPull(repo, base, head) {
      // Gitea answers the open, unmerged PR for the pair, or 404.
      const path = `${repoPath(repo)}/pulls/${encodeURIComponent(base)}/${encodeURIComponent(head)}`;
      const answer = await call('GET', path, { allow: [404] });
      if (answer.status === 404) return undefined;
      const found = parse(CreatedPull, answer, 'GET', path);
      return { ...toPull(found), htmlUrl: found.html_url };
    },
    async createPull(repo, pull) {
      const created = await send(CreatedPull, 'POST', `${repoPath(repo)}/pulls`, {
        head: pull.head,
        base: pull.base,
        title: pull.title,
        body: pull.body,
      });
      return { ...toPull(created), htmlUrl: created.html_url };
    },
    async requestReviewers(repo, pullNumber, reviewers) {
      await call('POST', `${repoPath(repo)}/pulls/${positive(pullNumber)}/requested_reviewers`, {
        body: { reviewers },
      });
    },
    async submitReview(repo, pullNumber, review) {
      // A line comment on the new version of a file: `new_position` is the line, `old_position` 0.
      const comments = review.comments.map((comment) => ({
        path: comment.path,
        body: comment.body,
        new_position: comment.line,
        old_position: 0,
      }));
      const body = { event: review.event, body: review.body, ...(comments.length > 0 ? { comments } : {}) };
      return toReviewSummary(
        await send(PullReview, 'POST', `${repoPath(repo)}/pulls/${positive(pullNumber)}/reviews`, body),
      );
    },
    async addLabels(repo, issueNumber, names) {
      // IssueLabelsOption takes names or ids; names spare a lookup.
      const labels = await send(RepoLabel.array(), 'POST', `${repoPath(repo)}/issues/${positive(issueNumber)}/labels`, {
        labels: names,
      });
      return labels.map((label) => label.name);
    },
    async removeLabel(repo, issueNumber, name) {
      const id = (await labelIds(repo, [name])).get(name);
      if (id === undefined) return 'no-such-label';
      await call('DELETE', `${repoPath(repo)}/issues/${positive(issueNumber)}/labels/${id}`);
      return 'removed';
    },
    async createIssue(repo, issue) {
      // CreateIssueOption takes label ids only.
      const ids = issue.labels.length === 0 ? [] : [...(await labelIds(repo, issue.labels)).values()];
      const created = await send(CreatedIssue, 'POST', `${repoPath(repo)}/issues`, {
        title: issue.title,
        body: issue.body,
        ...(ids.length > 0 ? { labels: ids } : {}),
      });
      return { ...toIssue(created), htmlUrl: created.html_url };
    },
    async editIssueBody(repo, number, body) {
      // Gitea answers an edit with 201 and the issue as it now is.
      const edited = await send(CreatedIssue, 'PATCH', `${repoPath(repo)}/issues/${positive(number)}`, { body });
      return { ...toIssue(edited), htmlUrl: edited.html_url };
    },
    listDependencies: async (repo, number) => (await dependencies(repo, number)) ?? 'unsupported',
    async addDependency(repo, number, upstream) {
      return (await changeDependency('POST', repo, number, upstream)) === 'done' ? 'added' : 'unsupported';
    },
    async removeDependency(repo, number, upstream) {
      return (await changeDependency('DELETE', repo, number, upstream)) === 'done' ? 'removed' : 'unsupported';
    },
    ...createCheckCalls({ call, parse, listAll, pageLimit: PAGE_LIMIT, maxPages: MAX_PAGES, repoPath, positive }),
  };
}

const sameRepo = (a: RepoName, b: RepoName): boolean => a.toLowerCase() === b.toLowerCase();

function repoPath(repo: RepoName): string {
  const [owner, name, ...rest] = repo.split('/');
  if (owner === undefined || name === undefined || rest.length > 0 || !NAME.test(owner) || !NAME.test(name))
    throw new InvalidForgeNameError(repo);
  return `/repos/${encodeURIComponent(owner)}/${encodeURIComponent(name)}`;
}

function segment(login: string): string {
  if (!NAME.test(login)) throw new InvalidForgeNameError(login);
  return encodeURIComponent(login);
}

function positive(number: number): number {
  if (!Number.isSafeInteger(number) || number < 1) throw new InvalidForgeNameError(String(number));
  return number;
}

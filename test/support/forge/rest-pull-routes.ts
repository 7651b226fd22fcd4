/**
 * REST routes for pull requests, reviews, review requests and merging. Statuses as Gitea answers
 * them: creating a PR 201 (409 when one is open for the same head and base), a review **200**,
 * review requests 201, a merge 200 — or 201 when it is scheduled for when checks pass.
 */
import { mergeByApi, reviewed } from './merge-operations.js';
import { ForgeRefusal, pullIn, repoFor, type OperationContext } from './operation-context.js';
import { openPull, requestReviews, retargetPull, submitReview } from './pull-operations.js';
import { pullFiles } from './git-repos.js';
import { apiPull, apiReview, apiReviewComment } from './render.js';
import { arrayField, ok, paginate, route, stringField, type Route } from './rest-router.js';

const numberField = (body: unknown, name: string): number | undefined => {
  const value = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
  return typeof value === 'number' ? value : undefined;
};
const flag = (body: unknown, name: string): boolean =>
  typeof body === 'object' && body !== null && (body as Record<string, unknown>)[name] === true;
const repoName = (params: Readonly<Record<string, string>>): string => `${params.owner}/${params.repo}`;
const index = (params: Readonly<Record<string, string>>): number => Number.parseInt(params.index ?? '', 10);

export function pullRoutes(ctx: OperationContext): Route[] {
  const r = ctx.render;
  return [
    route('POST', '/repos/{owner}/{repo}/pulls', async (req, params) => {
      const head = stringField(req.body, 'head');
      const base = stringField(req.body, 'base');
      const title = stringField(req.body, 'title');
      if (head === undefined || base === undefined || title === undefined || title === '')
        throw new ForgeRefusal('invalid', 'head, base and title are required');
      // `owner:branch` names a branch of a fork; the double has no forks, so only its own owner.
      const branch = head.startsWith(`${params.owner}:`) ? head.slice(head.indexOf(':') + 1) : head;
      const issue = await openPull(ctx, req.user.login, repoName(params), {
        head: branch,
        base,
        title,
        body: stringField(req.body, 'body'),
      });
      return ok(apiPull(r, issue), 201);
    }),
    route('GET', '/repos/{owner}/{repo}/pulls', (req, params) => {
      const repo = repoFor(ctx, req.user.login, repoName(params), 'read');
      const state = req.query.get('state') ?? 'open';
      if (!['open', 'closed', 'all'].includes(state)) throw new ForgeRefusal('invalid', `unknown state ${state}`);
      const found = ctx.state.issues
        .filter(
          (issue) =>
            issue.repo === repo.fullName && issue.pull !== undefined && (state === 'all' || issue.state === state),
        )
        .sort((a, b) => b.id - a.id);
      const { page, headers } = paginate(found, req);
      return ok(
        page.map((issue) => apiPull(r, issue)),
        200,
        headers,
      );
    }),
    route('GET', '/repos/{owner}/{repo}/pulls/{index}/files', async (req, params) => {
      const repo = repoFor(ctx, req.user.login, repoName(params), 'read');
      const { pull } = pullIn(ctx, repo, index(params));
      const files = await pullFiles(repo.gitDir, pull.baseSha, pull.headSha);
      const { page, headers } = paginate(files, req);
      return ok(
        page.map((file) => ({
          filename: file.filename,
          ...(file.previous === undefined ? {} : { previous_filename: file.previous }),
          status: file.status,
          additions: 0,
          deletions: 0,
          changes: 0,
          html_url: `${r.baseUrl}/${repo.fullName}/src/commit/${pull.headSha}/${file.filename}`,
          contents_url: `${r.baseUrl}/api/v1/repos/${repo.fullName}/contents/${file.filename}?ref=${pull.headSha}`,
          raw_url: `${r.baseUrl}/${repo.fullName}/raw/commit/${pull.headSha}/${file.filename}`,
        })),
        200,
        headers,
      );
    }),
    route('GET', '/repos/{owner}/{repo}/pulls/{index}', (req, params) => {
      const repo = repoFor(ctx, req.user.login, repoName(params), 'read');
      return ok(apiPull(r, pullIn(ctx, repo, index(params))));
    }),
    route('PATCH', '/repos/{owner}/{repo}/pulls/{index}', async (req, params) => {
      const base = stringField(req.body, 'base');
      const others =
        typeof req.body === 'object' && req.body !== null ? Object.keys(req.body).filter((k) => k !== 'base') : [];
      // The double edits only what the service uses: the base (a stacked PR's retarget).
      if (base === undefined || others.length > 0)
        throw new ForgeRefusal(
          'invalid',
          `the double edits only base; got ${JSON.stringify(Object.keys(req.body ?? {}))}`,
        );
      return ok(apiPull(r, await retargetPull(ctx, req.user.login, repoName(params), index(params), base)), 201);
    }),
    route('GET', '/repos/{owner}/{repo}/pulls/{index}/reviews', (req, params) => {
      const repo = repoFor(ctx, req.user.login, repoName(params), 'read');
      const issue = pullIn(ctx, repo, index(params));
      const reviews = ctx.state.reviews.filter(
        (review) => review.repo === repo.fullName && review.number === issue.number,
      );
      const { page, headers } = paginate(reviews, req);
      return ok(
        page.map((review) => apiReview(r, review)),
        200,
        headers,
      );
    }),
    route('GET', '/repos/{owner}/{repo}/pulls/{index}/reviews/{id}/comments', (req, params) => {
      const repo = repoFor(ctx, req.user.login, repoName(params), 'read');
      const issue = pullIn(ctx, repo, index(params));
      const id = Number.parseInt(params.id ?? '', 10);
      const review = ctx.state.reviews.find(
        (candidate) => candidate.repo === repo.fullName && candidate.number === issue.number && candidate.id === id,
      );
      if (review === undefined) throw new ForgeRefusal('not-found', `review ${id} does not exist`);
      return ok(
        ctx.state.reviewComments
          .filter((comment) => comment.reviewId === review.id)
          .map((comment) => apiReviewComment(r, comment)),
      );
    }),
    route('POST', '/repos/{owner}/{repo}/pulls/{index}/reviews', async (req, params) => {
      const event = stringField(req.body, 'event') ?? '';
      const comments = (arrayField(req.body, 'comments') ?? []).map((comment) => ({
        path: stringField(comment, 'path') ?? '',
        line: numberField(comment, 'new_position') ?? 0,
        body: stringField(comment, 'body') ?? '',
      }));
      const review = submitReview(ctx, req.user.login, repoName(params), index(params), {
        event,
        body: stringField(req.body, 'body'),
        comments,
      });
      await reviewed(ctx, repoName(params), index(params));
      return ok(apiReview(r, review));
    }),
    route('POST', '/repos/{owner}/{repo}/pulls/{index}/requested_reviewers', (req, params) => {
      const reviewers = (arrayField(req.body, 'reviewers') ?? []).filter(
        (name): name is string => typeof name === 'string',
      );
      const reviews = requestReviews(ctx, req.user.login, repoName(params), index(params), reviewers);
      return ok(
        reviews.map((review) => apiReview(r, review)),
        201,
      );
    }),
    route('POST', '/repos/{owner}/{repo}/pulls/{index}/merge', async (req, params) => {
      const outcome = await mergeByApi(ctx, req.user.login, repoName(params), index(params), {
        // Gitea merges with `merge` when `Do` is empty.
        style: stringField(req.body, 'Do') || 'merge',
        headCommitId: stringField(req.body, 'head_commit_id') ?? '',
        whenChecksSucceed: flag(req.body, 'merge_when_checks_succeed'),
        deleteBranch: flag(req.body, 'delete_branch_after_merge'),
        forceMerge: flag(req.body, 'force_merge'),
      });
      return { status: outcome === 'scheduled' ? 201 : 200 };
    }),
    // Last: `{base}/{head}` would also match `{index}/reviews` and the like.
    route('GET', '/repos/{owner}/{repo}/pulls/{base}/{head}', (req, params) => {
      const repo = repoFor(ctx, req.user.login, repoName(params), 'read');
      const found = ctx.state.issues.find(
        (issue) =>
          issue.repo === repo.fullName &&
          issue.state === 'open' &&
          issue.pull?.baseRef === params.base &&
          issue.pull?.headRef === params.head,
      );
      if (found === undefined)
        throw new ForgeRefusal('not-found', `no open pull request from ${params.head} into ${params.base}`);
      return ok(apiPull(r, found));
    }),
  ];
}

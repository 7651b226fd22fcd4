/**
 * Pull-request changes: opening, review requests, reviews and merging, with the rules Gitea
 * enforces that an agent can trip over (one open PR per head/base, no approving your own PR, a
 * body for "request changes" and "comment" reviews) and the webhooks it sends.
 */
import { diffStats, mergeBaseOf, mergeIntoBase, MergeConflictError, mergesCleanly, resolveRef } from './git-repos.js';
import { actorLogin, emitIssueOrPull, newIssue, recordTimeline, touch } from './issue-operations.js';
import { ForgeRefusal, mayWrite, pullIn, repoFor, signatureOf, type OperationContext } from './operation-context.js';
import { pullPayload, type HookEventType } from './payloads.js';
import { branchMoved, deleteBranch, emitPush } from './ref-operations.js';
import type { IssueRecord, ReviewCommentRecord, ReviewRecord, ReviewState } from './state.js';

export interface PullInput {
  readonly head: string;
  readonly base?: string;
  readonly title: string;
  readonly body?: string;
}

export async function openPull(
  ctx: OperationContext,
  actor: string,
  repoName: string,
  input: PullInput,
): Promise<IssueRecord> {
  const repo = repoFor(ctx, actor, repoName, 'read');
  const login = actorLogin(ctx, actor);
  const base = input.base ?? repo.defaultBranch;
  const headSha = await resolveRef(repo.gitDir, `refs/heads/${input.head}`);
  const baseSha = await resolveRef(repo.gitDir, `refs/heads/${base}`);
  if (headSha === undefined || baseSha === undefined)
    throw new ForgeRefusal('not-found', `branch ${headSha === undefined ? input.head : base} not found`);
  if (input.head === base) throw new ForgeRefusal('invalid', 'head and base must differ');
  const existing = ctx.state.issues.find(
    (issue) =>
      issue.repo === repo.fullName &&
      issue.state === 'open' &&
      issue.pull?.headRef === input.head &&
      issue.pull.baseRef === base,
  );
  if (existing !== undefined) {
    throw new ForgeRefusal(
      'conflict',
      `pull request already exists for these targets [id: ${existing.pull?.id}, issue_id: ${existing.id}, head_branch: ${input.head}, base_branch: ${base}]`,
    );
  }
  const issue: IssueRecord = {
    ...newIssue(ctx, repo, login, input),
    pull: {
      id: ctx.state.nextId('pull'),
      headRef: input.head,
      baseRef: base,
      headSha,
      baseSha,
      mergeBase: await mergeBaseOf(repo.gitDir, baseSha, headSha),
      merged: false,
      mergedAt: null,
      mergedBy: null,
      mergeCommitSha: null,
      requestedReviewers: [],
      diff: await diffStats(repo.gitDir, baseSha, headSha),
      mergeable: await mergesCleanly(repo.gitDir, baseSha, headSha),
    },
  };
  ctx.state.issues.push(issue);
  ctx.hooks.emit('pull_request', pullPayload(ctx.render, 'opened', issue, login));
  return issue;
}

export function requestReviews(
  ctx: OperationContext,
  actor: string,
  repoName: string,
  number: number,
  reviewers: readonly string[],
): ReviewRecord[] {
  const repo = repoFor(ctx, actor, repoName, 'read');
  const issue = pullIn(ctx, repo, number);
  const login = actorLogin(ctx, actor);
  if (issue.author !== login && !mayWrite(ctx, repo, login))
    throw new ForgeRefusal('forbidden', `${login} may not request reviews on #${number}`);
  const users = reviewers.map((name) => {
    const user = ctx.state.user(name);
    if (user === undefined) throw new ForgeRefusal('not-found', `user ${name} does not exist`);
    if (user.login === issue.author)
      throw new ForgeRefusal('invalid', `${user.login} is the poster and cannot review their own pull request`);
    return user.login;
  });
  return users.map((reviewer) => {
    const review = addReview(ctx, issue, reviewer, 'REQUEST_REVIEW', '');
    if (!issue.pull.requestedReviewers.includes(reviewer)) issue.pull.requestedReviewers.push(reviewer);
    touch(ctx, issue);
    recordTimeline(ctx, issue, {
      type: 'review_request',
      actor: login,
      assignee: reviewer,
      removedAssignee: false,
      body: '',
    });
    ctx.hooks.emit(
      'pull_request_review_request',
      pullPayload(ctx.render, 'review_requested', issue, login, { requestedReviewer: reviewer }),
    );
    return review;
  });
}

/** A code comment made with a review: `line` in the new file. */
export interface ReviewCommentInput {
  readonly path: string;
  readonly line: number;
  readonly body: string;
}

export type ReviewEventName = 'APPROVED' | 'REQUEST_CHANGES' | 'COMMENT';

const REVIEW_HOOK: Record<ReviewEventName, HookEventType> = {
  APPROVED: 'pull_request_review_approved',
  REQUEST_CHANGES: 'pull_request_review_rejected',
  COMMENT: 'pull_request_review_comment',
};

export function submitReview(
  ctx: OperationContext,
  actor: string,
  repoName: string,
  number: number,
  input: { event: string; body?: string; comments?: readonly ReviewCommentInput[] },
): ReviewRecord {
  const repo = repoFor(ctx, actor, repoName, 'read');
  const issue = pullIn(ctx, repo, number);
  const login = actorLogin(ctx, actor);
  const event = input.event as ReviewEventName;
  const body = input.body ?? '';
  if (!(event in REVIEW_HOOK))
    throw new ForgeRefusal(
      'invalid',
      `review event ${input.event} is not supported by the double (APPROVED, REQUEST_CHANGES, COMMENT)`,
    );
  if (event !== 'APPROVED' && body.trim() === '')
    throw new ForgeRefusal('invalid', `review event ${event} requires a body`);
  if (event !== 'COMMENT' && issue.author === login) {
    throw new ForgeRefusal('invalid', `${event === 'APPROVED' ? 'approve' : 'reject'} your own pull is not allowed`);
  }
  const review = { ...addReview(ctx, issue, login, event, body), comments: input.comments ?? [] };
  ctx.state.reviews[ctx.state.reviews.length - 1] = review;
  for (const comment of input.comments ?? []) addReviewComment(ctx, review, comment);
  issue.pull.requestedReviewers = issue.pull.requestedReviewers.filter((reviewer) => reviewer !== login);
  // The PR's updated_at is the review's submitted_at, as the webhook then shows it.
  issue.updatedAt = review.submittedAt;
  recordTimeline(ctx, issue, { type: 'review', actor: login, reviewId: review.id, body });
  const hook = REVIEW_HOOK[event];
  ctx.hooks.emit(
    hook,
    pullPayload(ctx.render, 'reviewed', issue, login, {
      requestedReviewer: login,
      review: { type: hook, content: body },
    }),
  );
  return review;
}

function addReview(
  ctx: OperationContext,
  issue: IssueRecord & { pull: NonNullable<IssueRecord['pull']> },
  reviewer: string,
  state: ReviewState,
  body: string,
): ReviewRecord {
  const repo = ctx.state.repo(issue.repo);
  const review: ReviewRecord = {
    id: ctx.state.nextId('review'),
    repo: issue.repo,
    number: issue.number,
    reviewer,
    state,
    body,
    commitId: issue.pull.headSha,
    official: repo !== undefined && mayWrite(ctx, repo, reviewer),
    submittedAt: ctx.state.now(),
  };
  ctx.state.reviews.push(review);
  return review;
}

function addReviewComment(ctx: OperationContext, review: ReviewRecord, input: ReviewCommentInput): ReviewCommentRecord {
  const comment: ReviewCommentRecord = {
    // Gitea keeps code comments in its comment table: they share the ids of issue comments.
    id: ctx.state.nextId('comment'),
    reviewId: review.id,
    repo: review.repo,
    number: review.number,
    author: review.reviewer,
    path: input.path,
    line: input.line,
    body: input.body,
    commitId: review.commitId,
    createdAt: review.submittedAt,
  };
  ctx.state.reviewComments.push(comment);
  return comment;
}

/** A merge commit on the base, then `pull_request` closed (merged) and `push` of the base. */
export async function mergePull(
  ctx: OperationContext,
  actor: string,
  repoName: string,
  number: number,
  options: { deleteBranch?: boolean; squash?: boolean } = {},
): Promise<IssueRecord> {
  const repo = repoFor(ctx, actor, repoName, 'write');
  const issue = pullIn(ctx, repo, number);
  const login = actorLogin(ctx, actor);
  if (issue.state !== 'open') throw new ForgeRefusal('invalid', `pull request #${number} is not open`);
  const pull = issue.pull;
  const message = `Merge pull request '${issue.title}' (#${number}) from ${pull.headRef} into ${pull.baseRef}`;
  let merge: { before: string; after: string };
  try {
    merge = await mergeIntoBase(repo.gitDir, {
      base: pull.baseRef,
      head: pull.headRef,
      message,
      author: signatureOf(login),
      squash: options.squash,
    });
  } catch (error) {
    if (error instanceof MergeConflictError) throw new ForgeRefusal('conflict', error.message);
    throw error;
  }
  Object.assign(pull, { merged: true, mergedBy: login, mergeCommitSha: merge.after, baseSha: merge.after });
  issue.state = 'closed';
  touch(ctx, issue);
  pull.mergedAt = issue.updatedAt;
  issue.closedAt = issue.updatedAt;
  emitIssueOrPull(ctx, issue, 'closed', login);
  await emitPush(ctx, login, repo, {
    ref: `refs/heads/${pull.baseRef}`,
    before: merge.before,
    after: merge.after,
    exclude: [merge.before],
  });
  // The other open PRs onto this base now merge onto the new commit (or conflict with it).
  await branchMoved(ctx, login, repo, `refs/heads/${pull.baseRef}`, merge.after);
  if (options.deleteBranch === true) await deleteBranch(ctx, login, repo.fullName, pull.headRef);
  return issue;
}

/** `PATCH /repos/{o}/{r}/pulls/{index}` with `base`: the PR now targets another branch (Gitea sends `edited`). */
export async function retargetPull(
  ctx: OperationContext,
  actor: string,
  repoName: string,
  number: number,
  base: string,
): Promise<IssueRecord> {
  const repo = repoFor(ctx, actor, repoName, 'write');
  const issue = pullIn(ctx, repo, number);
  const login = actorLogin(ctx, actor);
  if (issue.state !== 'open') throw new ForgeRefusal('invalid', `pull request #${number} is not open`);
  const pull = issue.pull;
  if (base === pull.headRef) throw new ForgeRefusal('invalid', 'the base must differ from the head');
  const baseSha = await resolveRef(repo.gitDir, `refs/heads/${base}`);
  if (baseSha === undefined) throw new ForgeRefusal('not-found', `branch ${base} not found`);
  Object.assign(pull, {
    baseRef: base,
    baseSha,
    mergeBase: await mergeBaseOf(repo.gitDir, baseSha, pull.headSha),
    diff: await diffStats(repo.gitDir, baseSha, pull.headSha),
    mergeable: await mergesCleanly(repo.gitDir, baseSha, pull.headSha),
  });
  touch(ctx, issue);
  emitIssueOrPull(ctx, issue, 'edited', login);
  return issue;
}

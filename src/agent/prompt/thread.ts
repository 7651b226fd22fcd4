/**
 * What the prompt builder reads from the forge about one issue or PR (the `ThreadReader` port,
 * owned here and implemented by the Gitea client), and the snapshot it reads into.
 */
import type { DiffStat, PullReview, RepoName, ReviewComment } from '../../forge/client.js';
import type { CommentRef, IssueRef, PullRef } from '../../core/events.js';

export interface ThreadReader {
  /** Works for a PR number too (a PR is an issue); `isPull` tells. */
  getIssue(repo: RepoName, number: number): Promise<IssueRef>;
  getPull(repo: RepoName, number: number): Promise<PullRef>;
  listIssueComments(repo: RepoName, number: number, since?: string): Promise<CommentRef[]>;
  listPulls(repo: RepoName, state: 'open' | 'closed' | 'all'): Promise<PullRef[]>;
  getPullDiffStat(repo: RepoName, number: number): Promise<DiffStat>;
  listPullReviews(repo: RepoName, number: number): Promise<PullReview[]>;
  listReviewComments(repo: RepoName, number: number, reviewId: number): Promise<ReviewComment[]>;
}

export interface ThreadReview extends PullReview {
  readonly comments: readonly ReviewComment[];
}

export interface ThreadPull {
  readonly ref: PullRef;
  readonly diff: DiffStat;
  /** Oldest first; all of them, or for a delta those after the cursor. */
  readonly reviews: readonly ThreadReview[];
  /** The issue the PR is for, by its head branch `issue-<N>-…`. */
  readonly forIssue: number | undefined;
}

export interface Thread {
  readonly issue: IssueRef;
  readonly pull: ThreadPull | undefined;
  /**
   * For an issue: the submitted reviews, with their line comments, of the issue's own PRs that the
   * job's events name a review of (`readOwnPullReviews`). A review webhook carries neither the
   * review's id nor its line comments, so the prompt reads them; empty otherwise.
   */
  readonly ownPullReviews?: readonly ThreadReview[];
  /** Oldest first; all of them, or for a delta those updated since the cursor. */
  readonly comments: readonly CommentRef[];
  /** For an issue: PRs (any state) whose head branch is `issue-<N>-…`; read for a full prompt only. */
  readonly linkedPulls: readonly PullRef[];
}

export interface ReadThreadOptions {
  /** Only comments updated at or after this time (RFC 3339). */
  readonly commentsSince?: string | null;
  /** Review comments only for reviews with a higher id (they cannot change once submitted). */
  readonly reviewsAfter?: number;
  readonly linkedPulls: boolean;
}

export async function readThread(
  reader: ThreadReader,
  repo: RepoName,
  number: number,
  options: ReadThreadOptions,
): Promise<Thread> {
  const since = options.commentsSince ?? undefined;
  const [issue, comments] = await Promise.all([
    reader.getIssue(repo, number),
    reader.listIssueComments(repo, number, since),
  ]);
  const pull = issue.isPull ? await readPull(reader, repo, number, options.reviewsAfter ?? 0) : undefined;
  const linkedPulls =
    !issue.isPull && options.linkedPulls
      ? (await reader.listPulls(repo, 'all')).filter((candidate) => issueOfBranch(candidate.headRef) === number)
      : [];
  return { issue, pull, comments: [...comments].sort((a, b) => a.id - b.id), linkedPulls };
}

async function readPull(
  reader: ThreadReader,
  repo: RepoName,
  number: number,
  reviewsAfter: number,
): Promise<ThreadPull> {
  const [ref, diff, reviews] = await Promise.all([
    reader.getPull(repo, number),
    reader.getPullDiffStat(repo, number),
    reader.listPullReviews(repo, number),
  ]);
  const fresh = reviews.filter((review) => review.id > reviewsAfter);
  const withComments = await Promise.all(
    fresh.map(async (review): Promise<ThreadReview> => {
      const comments =
        review.state === 'requested' || review.state === 'pending'
          ? []
          : await reader.listReviewComments(repo, number, review.id);
      return { ...review, comments };
    }),
  );
  return { ref, diff, reviews: withComments, forIssue: issueOfBranch(ref.headRef) };
}

/** `issue-7-fix-the-crash` → 7, the branch convention every agent follows. */
export function issueOfBranch(branch: string): number | undefined {
  const match = /^issue-(\d+)(?:-|$)/.exec(branch);
  return match?.[1] === undefined ? undefined : Number.parseInt(match[1], 10);
}

/**
 * The reviews, with their line comments, of the PRs `numbers` (the issue's own PRs a job's review
 * events are about), oldest first: what the agent answers review comment by review comment.
 */
export async function readOwnPullReviews(
  reader: ThreadReader,
  repo: RepoName,
  numbers: readonly number[],
): Promise<ThreadReview[]> {
  const reviews: ThreadReview[] = [];
  for (const number of numbers) {
    for (const review of await reader.listPullReviews(repo, number)) {
      if (review.state === 'requested' || review.state === 'pending') continue;
      reviews.push({ ...review, comments: await reader.listReviewComments(repo, number, review.id) });
    }
  }
  return reviews;
}

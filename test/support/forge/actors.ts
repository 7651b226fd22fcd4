/**
 * A test acting as a forge user: `forge.as('alice').openIssue('acme/app', { title, body })`.
 * Each method is what the person would do in the web UI; it goes through the same operations as
 * the REST API, so it changes state and sends the webhooks Forgejo would. A refused action
 * rejects with a `ForgeRefusal` naming why (not found, forbidden, conflict, invalid).
 */
import {
  addLabels,
  assign,
  createComment,
  editComment,
  editIssue,
  openIssue,
  type IssueEdit,
} from './issue-operations.js';
import type { OperationContext } from './operation-context.js';
import {
  mergePull,
  openPull,
  requestReviews,
  submitReview,
  type PullInput,
  type ReviewCommentInput,
  type ReviewEventName,
} from './pull-operations.js';
import { deleteBranch, pushCommit } from './ref-operations.js';
import type { CommentRecord, IssueRecord, ReviewRecord } from './state.js';
import type { CommitStatusRecord } from './ci-state.js';
import { reviewed } from './merge-operations.js';
import { postStatus, type StatusInput } from './status-operations.js';

export interface ForgeActor {
  readonly login: string;
  openIssue(repo: string, input: { title: string; body?: string }): Promise<IssueRecord>;
  comment(repo: string, number: number, body: string): Promise<CommentRecord>;
  editComment(repo: string, commentId: number, body: string): Promise<CommentRecord>;
  editIssue(repo: string, number: number, edit: IssueEdit): Promise<IssueRecord>;
  closeIssue(repo: string, number: number): Promise<IssueRecord>;
  reopenIssue(repo: string, number: number): Promise<IssueRecord>;
  assign(repo: string, number: number, assignee: string): Promise<IssueRecord>;
  /** Label names the repository has (see `createRepo({ labels })`); unknown names are ignored. */
  addLabels(repo: string, number: number, labels: readonly string[]): Promise<IssueRecord>;
  /** Commits `files` (`null` deletes one) on `branch` — created from the default branch when missing — as a push would. */
  pushCommit(
    repo: string,
    input: { branch: string; files: Readonly<Record<string, string | null>>; message?: string },
  ): Promise<{ before: string; after: string }>;
  /** `base` defaults to the default branch. */
  openPull(repo: string, input: PullInput): Promise<IssueRecord>;
  requestReview(repo: string, number: number, reviewers: string | readonly string[]): Promise<ReviewRecord[]>;
  /** `comments` are code comments on lines of the diff, made with the review. */
  submitReview(
    repo: string,
    number: number,
    input: { event: ReviewEventName; body?: string; comments?: readonly ReviewCommentInput[] },
  ): Promise<ReviewRecord>;
  mergePull(repo: string, number: number, options?: { deleteBranch?: boolean }): Promise<IssueRecord>;
  deleteBranch(repo: string, branch: string): Promise<void>;
  /** A commit status, as an outside CI posting with this user's token would (`state`: pending, success, failure, …). */
  postStatus(repo: string, sha: string, status: StatusInput): Promise<CommitStatusRecord>;
}

export function createActor(ctx: OperationContext, login: string): ForgeActor {
  return {
    login,
    openIssue: async (repo, input) => openIssue(ctx, login, repo, input),
    comment: async (repo, number, body) => createComment(ctx, login, repo, number, body),
    editComment: async (repo, id, body) => editComment(ctx, login, repo, id, body),
    editIssue: async (repo, number, edit) => editIssue(ctx, login, repo, number, edit),
    closeIssue: async (repo, number) => editIssue(ctx, login, repo, number, { state: 'closed' }),
    reopenIssue: async (repo, number) => editIssue(ctx, login, repo, number, { state: 'open' }),
    assign: async (repo, number, assignee) => assign(ctx, login, repo, number, assignee),
    addLabels: async (repo, number, labels) => addLabels(ctx, login, repo, number, labels),
    pushCommit: (repo, input) => pushCommit(ctx, login, repo, input),
    openPull: (repo, input) => openPull(ctx, login, repo, input),
    requestReview: async (repo, number, reviewers) =>
      requestReviews(ctx, login, repo, number, typeof reviewers === 'string' ? [reviewers] : reviewers),
    async submitReview(repo, number, input) {
      const review = submitReview(ctx, login, repo, number, input);
      await reviewed(ctx, repo, number);
      return review;
    },
    mergePull: (repo, number, options) => mergePull(ctx, login, repo, number, options),
    deleteBranch: (repo, branch) => deleteBranch(ctx, login, repo, branch),
    postStatus: (repo, sha, status) => postStatus(ctx, login, repo, sha, status),
  };
}

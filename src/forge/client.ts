/**
 * The forge's REST API as the service uses it: a port, implemented for Forgejo/Gitea by
 * `rest/gitea-client.ts` and in tests by talking to the forge double over real HTTP.
 *
 * Results are the project's own types (`events.ts`), so an issue or comment read through the
 * API and one read from a webhook payload are the same value — the reconciliation poller builds
 * the same events (and fingerprints) from either. Calls authenticate as one agent's forge user.
 */
import type { CommentRef, IssueRef, PullRef, RepoRef } from './events.js';

/** `owner/name`. */
export type RepoName = string;

export type Permission = 'admin' | 'write' | 'read' | 'none';

export interface CommentOnIssue {
  readonly issueNumber: number;
  readonly comment: CommentRef;
}

export interface ForgeClient {
  /** Who the token belongs to (`GET /user`). */
  whoami(): Promise<{ login: string; id: number }>;
  getRepository(repo: RepoName): Promise<RepoRef>;
  /** A user's permission on a repository; `none` when the user is not a collaborator. */
  getPermission(repo: RepoName, login: string): Promise<Permission>;
  getIssue(repo: RepoName, number: number): Promise<IssueRef>;
  getPull(repo: RepoName, number: number): Promise<PullRef>;
  /** Issues and PRs (open and closed) updated at or after `since` (RFC 3339), all pages. */
  listIssuesUpdatedSince(repo: RepoName, since: string): Promise<IssueRef[]>;
  /** Comments on any issue or PR of the repository updated at or after `since`, all pages. */
  listCommentsUpdatedSince(repo: RepoName, since: string): Promise<CommentOnIssue[]>;
  createComment(repo: RepoName, issueNumber: number, body: string): Promise<CommentRef>;
}

/** A forge API call that failed; `status` is the HTTP status (0 when no response came). */
export class ForgeApiError extends Error {
  readonly code = 'FORGE_API';
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(`forge API ${method} ${path} failed with ${status}: ${body.slice(0, 200)}`);
    this.name = 'ForgeApiError';
  }

  /** Worth trying again later: no answer at all, a server error, or being told to slow down. */
  get transient(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

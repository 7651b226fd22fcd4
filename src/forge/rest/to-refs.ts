/**
 * REST responses → the project's own reference types, read the same way as webhook payloads
 * (`../webhook/refs.ts`), so an issue polled through the API and one delivered by a webhook are
 * the same value and get the same fingerprint.
 */
import type { Permission, ReviewSummary } from '../client.js';
import type { CommentRef, RepoRef } from '../events.js';
import type { CommentData, PullReviewData, RepositoryData } from './schema.js';

export function toRepo(data: RepositoryData, host: string): RepoRef {
  return {
    host,
    owner: data.owner.login,
    name: data.name,
    fullName: data.full_name,
    cloneUrl: data.clone_url,
    defaultBranch: data.default_branch || 'main',
    private: data.private,
  };
}

/** Issues and PRs read exactly as from a webhook payload: the objects are the same in both. */
export { toIssue, toPull } from '../webhook/refs.js';

export function toComment(data: CommentData): CommentRef {
  return {
    id: data.id,
    body: data.body,
    author: { login: data.user.login, id: data.user.id },
    createdAt: data.created_at,
    updatedAt: data.updated_at,
    htmlUrl: data.html_url,
  };
}

/**
 * The issue or PR a comment belongs to. A comment carries no number, only web URLs:
 * `…/issues/7` or `…/pulls/7` in `issue_url`/`pull_request_url`, and `…#issuecomment-12`.
 */
export function issueNumberOf(data: CommentData): number | undefined {
  for (const url of [data.issue_url, data.pull_request_url, data.html_url]) {
    const match = /\/(?:issues|pulls)\/(\d+)(?:[#?/]|$)/.exec(url ?? '');
    if (match?.[1] !== undefined) return Number.parseInt(match[1], 10);
  }
  return undefined;
}

/** Gitea answers `owner` for the owner and site admins; the port knows four levels. */
export function toPermission(value: string): Permission {
  if (value === 'owner' || value === 'admin') return 'admin';
  if (value === 'write' || value === 'read') return value;
  return 'none';
}

export function toReview(data: PullReviewData): ReviewSummary {
  return {
    id: data.id,
    state: data.state,
    body: data.body ?? '',
    author: data.user == null ? undefined : { login: data.user.login, id: data.user.id },
    submittedAt: data.submitted_at ?? undefined,
    htmlUrl: data.html_url ?? '',
  };
}

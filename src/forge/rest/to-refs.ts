/**
 * REST responses → the project's own reference types, read the same way as webhook payloads
 * (`../webhook/refs.ts`), so an issue polled through the API and one delivered by a webhook are
 * the same value and get the same fingerprint.
 */
import type { Permission } from '../client.js';
import type { CommentRef, IssueRef, PullRef, RepoRef } from '../events.js';
import type { CommentData, IssueData, PullRequestData, RepositoryData } from './schema.js';

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

export function toIssue(data: IssueData): IssueRef {
  const assignees = data.assignees ?? (data.assignee ? [data.assignee] : []);
  return {
    number: data.number,
    title: data.title,
    body: data.body ?? '',
    author: { login: data.user.login, id: data.user.id },
    state: data.state,
    isPull: data.pull_request !== null && data.pull_request !== undefined,
    labels: (data.labels ?? []).map((label) => label.name),
    assignees: assignees.map((user) => user.login),
    updatedAt: data.updated_at,
  };
}

export function toPull(data: PullRequestData): PullRef {
  return {
    number: data.number,
    title: data.title,
    body: data.body ?? '',
    author: { login: data.user.login, id: data.user.id },
    state: data.state,
    merged: data.merged === true,
    headRef: data.head.ref,
    headSha: data.head.sha,
    baseRef: data.base.ref,
    labels: (data.labels ?? []).map((label) => label.name),
    requestedReviewers: (data.requested_reviewers ?? []).map((user) => user.login),
    updatedAt: data.updated_at,
  };
}

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

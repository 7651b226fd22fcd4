/**
 * Parsed payload parts → the project's own reference types (`events.ts`). The same for every
 * forge: Forgejo and Gitea copied GitHub's field names for these objects.
 */
import type { CommentRef, IssueRef, PullRef, RepoRef, UserRef } from '../events.js';
import { err, ok, type Result } from '../../lib/result.js';
import type { PayloadProblem } from './payload-problem.js';
import type { CommentData, IssueData, PullData, RepositoryData, UserData } from './schema.js';

/**
 * `forgeHost` (the configured forge URL's host) wins; otherwise the host of the repository's web
 * or clone URL. The host keeps its port: two forges on one machine are two forges.
 */
export function toRepo(data: RepositoryData, forgeHost: string | undefined): Result<RepoRef, PayloadProblem> {
  const host = forgeHost ? (hostOf(forgeHost) ?? forgeHost) : (hostOf(data.html_url) ?? hostOf(data.clone_url));
  if (host === undefined) {
    return err({
      field: 'repository.html_url',
      message: `expected an absolute URL to take the forge's host from (clone_url ${JSON.stringify(data.clone_url)} has none either); configure the forge URL so the host need not be guessed`,
    });
  }
  return ok({
    host: host.toLowerCase(),
    owner: data.owner.login,
    name: data.name,
    fullName: data.full_name,
    cloneUrl: data.clone_url,
    defaultBranch: data.default_branch || 'main',
    private: data.private ?? true,
  });
}

export function toUser(data: UserData): UserRef {
  return { login: data.login, id: data.id };
}

export function toIssue(data: IssueData, options: { isPull?: boolean } = {}): IssueRef {
  const assignees = data.assignees ?? (data.assignee ? [data.assignee] : []);
  return {
    number: data.number,
    title: data.title,
    body: data.body ?? '',
    author: toUser(data.user),
    state: data.state,
    isPull: options.isPull === true || (data.pull_request !== null && data.pull_request !== undefined),
    labels: (data.labels ?? []).map((label) => label.name),
    assignees: assignees.map((user) => user.login),
    updatedAt: data.updated_at,
    ...(data.created_at ? { createdAt: data.created_at } : {}),
  };
}

/** `updatedAt` is '' when the payload leaves `updated_at` out (trimmed fixtures do). */
export function toPull(data: PullData): PullRef {
  const assignees = data.assignees ?? (data.assignee ? [data.assignee] : []);
  return {
    number: data.number,
    title: data.title,
    body: data.body ?? '',
    author: toUser(data.user),
    state: data.state,
    merged: data.merged === true,
    headRef: data.head.ref,
    headSha: data.head.sha,
    baseRef: data.base.ref,
    labels: (data.labels ?? []).map((label) => label.name),
    assignees: assignees.map((user) => user.login),
    requestedReviewers: (data.requested_reviewers ?? []).flatMap((user) => (user.login === undefined ? [] : [user.login])),
    updatedAt: data.updated_at ?? '',
  };
}

export function toComment(data: CommentData): CommentRef {
  return {
    id: data.id,
    body: data.body,
    author: toUser(data.user),
    createdAt: data.created_at,
    updatedAt: data.updated_at,
    htmlUrl: data.html_url,
  };
}

/** `host[:port]` of a URL; a bare host (`forge.example.com`) is taken as it is. */
function hostOf(value: string | null | undefined): string | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  if (!value.includes('://')) return /^[A-Za-z0-9.-]+(:\d+)?$/.test(value) ? value : undefined;
  try {
    const host = new URL(value).host;
    return host === '' ? undefined : host;
  } catch {
    return undefined;
  }
}

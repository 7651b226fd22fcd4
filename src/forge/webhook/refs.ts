/**
 * Parsed payload parts → the project's own reference types (`events.ts`). The same for every
 * forge: Forgejo and Gitea copied GitHub's field names for these objects.
 */
import type { CommentRef, IssueRef, PullRef, RepoRef, UserRef } from '../../core/events.js';
import { err, ok, type Result } from '../../lib/result.js';
import { forgePathPrefix } from '../../lib/repo-url.js';
import { describeValue, type PayloadProblem } from './payload-problem.js';
import type { CommentData, IssueData, PullData, RepositoryData, UserData } from './schema.js';

/**
 * A repository is (forge host, owner, name); its clone URL is built from the configured forge URL,
 * never taken from the payload (docs/decisions.md §10: a signed payload naming an allowed `full_name` with
 * a `clone_url` on another host made the workspace fetch there, and git's credential helper
 * answered that host's 401 with the agent's token). So `full_name`, `owner.login`/`name` and
 * `clone_url` must all name the same repository, and `clone_url` must be on the forge.
 *
 * Without a configured forge URL (no agents, so nothing fetches) host and clone URL are the
 * payload's own, still checked to agree with its names. The host keeps its port: two forges on
 * one machine are two forges.
 */
export function toRepo(data: RepositoryData, forgeUrl: string | undefined): Result<RepoRef, PayloadProblem> {
  const owner = data.owner.login;
  const { name } = data;
  if (data.full_name !== `${owner}/${name}`) {
    return err({
      field: 'repository.full_name',
      message: `expected ${JSON.stringify(`${owner}/${name}`)} (owner.login/name), got ${describeValue(data.full_name)}: the payload names two different repositories`,
    });
  }
  const clone = httpUrl(data.clone_url);
  if (clone === undefined) {
    return err({
      field: 'repository.clone_url',
      message: `expected an http(s) URL without credentials, got ${describeValue(data.clone_url)}`,
    });
  }
  const forge = forgeUrl === undefined ? clone : parsedForge(forgeUrl).url;
  if (clone.host.toLowerCase() !== forge.host.toLowerCase()) {
    return err({
      field: 'repository.clone_url',
      message: `is on host ${describeValue(clone.host)}, not on the forge (${forge.host}); the service only works on the forge in forge.url`,
    });
  }
  const prefix =
    forgeUrl === undefined ? clone.pathname.slice(0, -`/${owner}/${name}.git`.length) : parsedForge(forgeUrl).prefix;
  if (clone.pathname.toLowerCase() !== `${prefix}/${owner}/${name}.git`.toLowerCase()) {
    return err({
      field: 'repository.clone_url',
      message: `expected the path ${JSON.stringify(`${prefix}/${owner}/${name}.git`)} for ${owner}/${name}, got ${describeValue(data.clone_url)}: the payload names two different repositories`,
    });
  }
  return ok({
    host: forge.host.toLowerCase(),
    owner,
    name,
    fullName: data.full_name,
    // The names matched the clone URL's path above, so they need no encoding.
    cloneUrl: new URL(`${prefix}/${owner}/${name}.git`, forge.origin).href,
    defaultBranch: data.default_branch || 'main',
    private: data.private ?? true,
  });
}

/**
 * The configured forge URL, parsed once rather than for every event (profiling the intake found
 * the parses of it a third of normalising a payload). A few entries: a process has one forge URL.
 */
const forges = new Map<string, { readonly url: URL; readonly prefix: string }>();
function parsedForge(forgeUrl: string): { readonly url: URL; readonly prefix: string } {
  let parsed = forges.get(forgeUrl);
  if (parsed === undefined) {
    if (forges.size >= 8) forges.clear();
    const url = new URL(forgeUrl);
    parsed = { url, prefix: forgePathPrefix(url) };
    forges.set(forgeUrl, parsed);
  }
  return parsed;
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
    requestedReviewers: (data.requested_reviewers ?? []).flatMap((user) =>
      user.login === undefined ? [] : [user.login],
    ),
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

/** `value` as an http(s) URL without credentials, or undefined. */
function httpUrl(value: string): URL | undefined {
  try {
    const url = new URL(value);
    const web = url.protocol === 'http:' || url.protocol === 'https:';
    return web && url.username === '' && url.password === '' && url.host !== '' ? url : undefined;
  } catch {
    return undefined;
  }
}

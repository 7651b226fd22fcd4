/**
 * State records → the JSON Gitea and Forgejo put in API responses and webhook payloads (Gitea's
 * `services/convert`). Field names, nulls and empty values follow the real server: a nil Go
 * slice is `null` (`assignees`, `requested_reviewers`), a made one `[]` (`labels`, `assets`); an
 * unset pointer is `null` (`milestone`, `closed_at`, `merged_by`). The captured samples in
 * `test/fixtures/gitea/payloads/` are the reference, and a test compares against them field by field.
 */
import type {
  CommentRecord,
  ForgeState,
  IssueRecord,
  LabelRecord,
  RepoPermission,
  RepoRecord,
  ReviewCommentRecord,
  ReviewRecord,
  TimelineRecord,
  UserRecord,
} from './state.js';

export interface RenderContext {
  readonly state: ForgeState;
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  readonly baseUrl: string;
}

export type Json = Record<string, unknown>;

/** Gitea's zero time, printed for "never" (`last_login`, `mirror_updated`). */
const ZERO_TIME = '0001-01-01T00:00:00Z';

export function apiUser(ctx: RenderContext, user: UserRecord, options: { revealAdmin?: boolean } = {}): Json {
  return {
    id: user.id,
    login: user.login,
    login_name: '',
    source_id: 0,
    full_name: user.fullName ?? '',
    email: user.email ?? `${user.login}@noreply.localhost`,
    avatar_url: `${ctx.baseUrl}/avatars/${user.id}`,
    html_url: `${ctx.baseUrl}/${user.login}`,
    language: '',
    // Gitea shows `is_admin` only to the user and to admins.
    is_admin: options.revealAdmin === true && user.admin,
    last_login: ZERO_TIME,
    created: user.createdAt,
    restricted: false,
    active: true,
    prohibit_login: false,
    location: '',
    website: '',
    description: '',
    visibility: 'public',
    followers_count: 0,
    following_count: 0,
    starred_repos_count: 0,
    username: user.login,
  };
}

export function userJson(ctx: RenderContext, login: string): Json {
  const user = ctx.state.user(login);
  if (user === undefined) throw new Error(`forge double: no user ${login}`);
  return apiUser(ctx, user);
}

export function apiRepo(ctx: RenderContext, repo: RepoRecord, permission: RepoPermission): Json {
  const htmlUrl = `${ctx.baseUrl}/${repo.fullName}`;
  const host = new URL(ctx.baseUrl).host;
  const openIssues = ctx.state.issues.filter((issue) => issue.repo === repo.fullName && issue.state === 'open');
  return {
    id: repo.id,
    owner: userJson(ctx, repo.owner),
    name: repo.name,
    full_name: repo.fullName,
    description: '',
    empty: false,
    private: repo.private,
    fork: false,
    template: false,
    parent: null,
    mirror: false,
    size: 0,
    language: '',
    languages_url: `${ctx.baseUrl}/api/v1/repos/${repo.fullName}/languages`,
    html_url: htmlUrl,
    url: `${ctx.baseUrl}/api/v1/repos/${repo.fullName}`,
    link: '',
    ssh_url: `git@${host}:${repo.fullName}.git`,
    clone_url: `${htmlUrl}.git`,
    original_url: '',
    website: '',
    stars_count: 0,
    forks_count: 0,
    watchers_count: 1,
    open_issues_count: openIssues.filter((issue) => issue.pull === undefined).length,
    open_pr_counter: openIssues.filter((issue) => issue.pull !== undefined).length,
    release_counter: 0,
    default_branch: repo.defaultBranch,
    archived: false,
    created_at: repo.createdAt,
    updated_at: repo.updatedAt,
    archived_at: '1970-01-01T00:00:00Z',
    permissions: {
      admin: permission === 'owner' || permission === 'admin',
      push: permission === 'owner' || permission === 'admin' || permission === 'write',
      pull: permission !== 'none',
    },
    has_issues: true,
    internal_tracker: {
      enable_time_tracker: true,
      allow_only_contributors_to_track_time: true,
      enable_issue_dependencies: repo.dependenciesEnabled,
    },
    has_wiki: true,
    has_pull_requests: true,
    has_projects: true,
    has_releases: true,
    has_packages: false,
    has_actions: false,
    ignore_whitespace_conflicts: false,
    allow_merge_commits: true,
    allow_rebase: true,
    allow_rebase_explicit: true,
    allow_squash_merge: true,
    allow_fast_forward_only_merge: false,
    allow_rebase_update: true,
    default_delete_branch_after_merge: false,
    default_merge_style: 'merge',
    default_allow_maintainer_edit: false,
    avatar_url: '',
    internal: false,
    mirror_interval: '',
    object_format_name: 'sha1',
    mirror_updated: ZERO_TIME,
    repo_transfer: null,
  };
}

export function apiLabel(ctx: RenderContext, repo: string, label: LabelRecord): Json {
  return {
    id: label.id,
    name: label.name,
    exclusive: false,
    is_archived: false,
    color: label.color,
    description: '',
    url: `${ctx.baseUrl}/api/v1/repos/${repo}/labels/${label.id}`,
  };
}

function labelsOf(ctx: RenderContext, issue: IssueRecord): Json[] {
  const repo = ctx.state.repo(issue.repo);
  return issue.labels.flatMap((name) => {
    const label = repo?.labels.find((candidate) => candidate.name === name);
    return label === undefined ? [] : [apiLabel(ctx, issue.repo, label)];
  });
}

/** A nil Go slice marshals as `null`. */
const usersOrNull = (ctx: RenderContext, logins: readonly string[]): Json[] | null =>
  logins.length === 0 ? null : logins.map((login) => userJson(ctx, login));

export const issueHtmlUrl = (ctx: RenderContext, issue: IssueRecord): string =>
  `${ctx.baseUrl}/${issue.repo}/${issue.pull === undefined ? 'issues' : 'pulls'}/${issue.number}`;

const commentCount = (ctx: RenderContext, issue: IssueRecord): number =>
  ctx.state.comments.filter((comment) => comment.repo === issue.repo && comment.issueNumber === issue.number).length;

export function apiIssue(ctx: RenderContext, issue: IssueRecord): Json {
  const repo = ctx.state.repo(issue.repo);
  const pull = issue.pull;
  return {
    id: issue.id,
    url: `${ctx.baseUrl}/api/v1/repos/${issue.repo}/issues/${issue.number}`,
    html_url: issueHtmlUrl(ctx, issue),
    number: issue.number,
    user: userJson(ctx, issue.author),
    original_author: '',
    original_author_id: 0,
    title: issue.title,
    body: issue.body,
    ref: '',
    assets: [],
    labels: labelsOf(ctx, issue),
    milestone: null,
    assignee: issue.assignees[0] === undefined ? null : userJson(ctx, issue.assignees[0]),
    assignees: usersOrNull(ctx, issue.assignees),
    state: issue.state,
    is_locked: false,
    comments: commentCount(ctx, issue),
    created_at: issue.createdAt,
    updated_at: issue.updatedAt,
    closed_at: issue.closedAt,
    due_date: null,
    time_estimate: 0,
    pull_request:
      pull === undefined
        ? null
        : { merged: pull.merged, merged_at: pull.mergedAt, draft: false, html_url: issueHtmlUrl(ctx, issue) },
    repository: { id: repo?.id ?? 0, name: repo?.name ?? '', owner: repo?.owner ?? '', full_name: issue.repo },
    pin_order: 0,
  };
}

export function apiPull(ctx: RenderContext, issue: IssueRecord): Json {
  const pull = issue.pull;
  const repo = ctx.state.repo(issue.repo);
  if (pull === undefined || repo === undefined)
    throw new Error(`forge double: ${issue.repo}#${issue.number} is not a pull request`);
  const htmlUrl = issueHtmlUrl(ctx, issue);
  const branch = (ref: string, sha: string): Json => ({
    label: ref,
    ref,
    sha,
    repo_id: repo.id,
    repo: apiRepo(ctx, repo, 'read'),
  });
  return {
    id: pull.id,
    url: htmlUrl,
    number: issue.number,
    user: userJson(ctx, issue.author),
    title: issue.title,
    body: issue.body,
    labels: labelsOf(ctx, issue),
    milestone: null,
    assignee: issue.assignees[0] === undefined ? null : userJson(ctx, issue.assignees[0]),
    assignees: usersOrNull(ctx, issue.assignees),
    requested_reviewers: usersOrNull(ctx, pull.requestedReviewers),
    requested_reviewers_teams: null,
    state: issue.state,
    draft: false,
    is_locked: false,
    comments: commentCount(ctx, issue),
    review_comments: 0,
    additions: pull.diff.additions,
    deletions: pull.diff.deletions,
    changed_files: pull.diff.changedFiles,
    html_url: htmlUrl,
    diff_url: `${htmlUrl}.diff`,
    patch_url: `${htmlUrl}.patch`,
    // Gitea's `pr.Mergeable()`: open, not merged, and its head merges onto its base cleanly.
    mergeable: !pull.merged && issue.state === 'open' && pull.mergeable,
    merged: pull.merged,
    merged_at: pull.mergedAt,
    merge_commit_sha: pull.mergeCommitSha,
    merged_by: pull.mergedBy === null ? null : userJson(ctx, pull.mergedBy),
    allow_maintainer_edit: false,
    base: branch(pull.baseRef, pull.baseSha),
    head: branch(pull.headRef, pull.headSha),
    merge_base: pull.mergeBase,
    due_date: null,
    created_at: issue.createdAt,
    updated_at: issue.updatedAt,
    closed_at: issue.closedAt,
    pin_order: 0,
  };
}

export function apiComment(ctx: RenderContext, comment: CommentRecord): Json {
  const issue = ctx.state.issue(comment.repo, comment.issueNumber);
  const issueUrl = issue === undefined ? '' : issueHtmlUrl(ctx, issue);
  const isPull = issue?.pull !== undefined;
  return {
    id: comment.id,
    html_url: `${issueUrl}#issuecomment-${comment.id}`,
    // Despite the swagger's "API URL", Gitea fills both with the web URL, one of them empty.
    pull_request_url: isPull ? issueUrl : '',
    issue_url: isPull ? '' : issueUrl,
    user: userJson(ctx, comment.author),
    original_author: '',
    original_author_id: 0,
    body: comment.body,
    assets: [],
    created_at: comment.createdAt,
    updated_at: comment.updatedAt,
  };
}

export function apiReview(ctx: RenderContext, review: ReviewRecord): Json {
  const pullUrl = `${ctx.baseUrl}/${review.repo}/pulls/${review.number}`;
  return {
    id: review.id,
    user: userJson(ctx, review.reviewer),
    team: null,
    state: review.state,
    body: review.body,
    commit_id: review.commitId,
    stale: false,
    official: review.official,
    dismissed: false,
    comments_count: ctx.state.reviewComments.filter((comment) => comment.reviewId === review.id).length,
    submitted_at: review.submittedAt,
    updated_at: review.submittedAt,
    html_url: `${pullUrl}#issuecomment-${review.id}`,
    pull_request_url: pullUrl,
  };
}

export function apiReviewComment(ctx: RenderContext, comment: ReviewCommentRecord): Json {
  const pullUrl = `${ctx.baseUrl}/${comment.repo}/pulls/${comment.number}`;
  return {
    id: comment.id,
    body: comment.body,
    user: userJson(ctx, comment.author),
    resolver: null,
    pull_request_review_id: comment.reviewId,
    created_at: comment.createdAt,
    updated_at: comment.createdAt,
    path: comment.path,
    commit_id: comment.commitId,
    original_commit_id: comment.commitId,
    diff_hunk: '',
    position: comment.line,
    original_position: 0,
    html_url: `${pullUrl}/files#issuecomment-${comment.id}`,
    pull_request_url: pullUrl,
  };
}

/**
 * A timeline entry as Gitea's `convert.ToTimelineComment` renders it: every field present, unset
 * pointers `null`, unset numbers 0 and strings empty. Comments appear as entries of type `comment`.
 */
export function apiTimelineEntry(
  ctx: RenderContext,
  entry: TimelineRecord | (CommentRecord & { type: 'comment' }),
): Json {
  const issue = ctx.state.issue(entry.repo, entry.issueNumber);
  const issueUrl = issue === undefined ? '' : issueHtmlUrl(ctx, issue);
  const isPull = issue?.pull !== undefined;
  const timeline = entry.type === 'comment' ? undefined : entry;
  const author = entry.type === 'comment' ? entry.author : entry.actor;
  return {
    id: entry.id,
    type: entry.type,
    body: entry.body,
    html_url: `${issueUrl}#issuecomment-${entry.id}`,
    pull_request_url: isPull ? issueUrl : '',
    issue_url: isPull ? '' : issueUrl,
    user: userJson(ctx, author),
    created_at: entry.createdAt,
    updated_at: entry.type === 'comment' ? entry.updatedAt : entry.createdAt,
    old_project_id: 0,
    project_id: 0,
    old_milestone: null,
    milestone: null,
    tracked_time: null,
    old_title: '',
    new_title: '',
    old_ref: '',
    new_ref: '',
    ref_issue: null,
    ref_comment: null,
    ref_action: '',
    ref_commit_sha: '',
    review_id: timeline?.reviewId ?? 0,
    label: timeline?.label === undefined ? null : apiLabel(ctx, entry.repo, timeline.label),
    assignee: timeline?.assignee === undefined ? null : userJson(ctx, timeline.assignee),
    assignee_team: null,
    removed_assignee: timeline?.removedAssignee ?? false,
    resolve_doer: null,
    dependent_issue: dependentIssueJson(ctx, timeline?.dependentIssue),
  };
}

function dependentIssueJson(ctx: RenderContext, other: { repo: string; number: number } | undefined): Json | null {
  const issue = other === undefined ? undefined : ctx.state.issue(other.repo, other.number);
  return issue === undefined ? null : apiIssue(ctx, issue);
}

/**
 * The forge double's memory: users, repositories, issues (a PR is an issue with `pull` set, as in
 * Gitea), comments and reviews. Plain records and lookups only; what changes them, and which
 * webhooks that sends, lives in `operations.ts`.
 *
 * Ids come from one counter per table, like Gitea's database; timestamps have whole seconds and
 * a `Z`, as Forgejo prints them, so `since` filtering behaves as on a real server.
 */
import { randomBytes } from 'node:crypto';
import { createCiState, type CiState } from './ci-state.js';

export type AccessLevel = 'read' | 'write' | 'admin';
/** What `GET /collaborators/{user}/permission` answers; `owner` for the owner and site admins. */
export type RepoPermission = 'owner' | 'admin' | 'write' | 'read' | 'none';
export type ReviewState = 'APPROVED' | 'REQUEST_CHANGES' | 'COMMENT' | 'REQUEST_REVIEW';

export interface UserRecord {
  readonly id: number;
  readonly login: string;
  readonly token: string;
  readonly admin: boolean;
  readonly createdAt: string;
  /** Set by the admin API (`POST /admin/users`, `PATCH /admin/users/{username}`); seeded users have none. */
  fullName?: string;
  email?: string;
  password?: string;
}

/** An access token made through `POST /users/{username}/tokens`, with its scopes. */
export interface TokenRecord {
  readonly id: number;
  readonly login: string;
  readonly name: string;
  readonly token: string;
  readonly scopes: readonly string[];
  readonly createdAt: string;
}

/** A repository webhook made through the API; while any exists for a repository, its deliveries follow them. */
export interface HookRecord {
  readonly id: number;
  readonly repo: string;
  url: string;
  contentType: string;
  secret: string;
  events: string[];
  active: boolean;
  readonly createdAt: string;
  updatedAt: string;
}

/**
 * A branch protection rule, named after the branch it protects (Gitea's `rule_name`). The
 * allowlists hold logins as Gitea keeps them: only users with write (push, merge) or read
 * (approvals) on the repository, whoever was asked for.
 */
export interface ProtectionRecord {
  readonly repo: string;
  readonly branch: string;
  enablePush: boolean;
  enablePushWhitelist: boolean;
  pushWhitelist: string[];
  requiredApprovals: number;
  dismissStaleApprovals: boolean;
  enableApprovalsWhitelist: boolean;
  approvalsWhitelist: string[];
  enableMergeWhitelist: boolean;
  mergeWhitelist: string[];
  /** Required status checks: when on, each context (a glob) must be a success on the head. */
  enableStatusCheck: boolean;
  statusCheckContexts: string[];
  readonly createdAt: string;
  updatedAt: string;
}

export interface LabelRecord {
  readonly id: number;
  readonly name: string;
  readonly color: string;
}

export interface RepoRecord {
  readonly id: number;
  readonly owner: string;
  readonly name: string;
  readonly fullName: string;
  readonly private: boolean;
  readonly defaultBranch: string;
  readonly collaborators: Map<string, AccessLevel>;
  readonly labels: LabelRecord[];
  readonly createdAt: string;
  updatedAt: string;
  /** The bare repository on disk. */
  readonly gitDir: string;
  nextIndex: number;
  /**
   * The issue tracker's "Enable issue dependencies" setting (on by default, as Gitea's
   * `DEFAULT_ENABLE_DEPENDENCIES`); off, the dependency routes answer 404.
   */
  readonly dependenciesEnabled: boolean;
}

export interface PullState {
  readonly id: number;
  readonly headRef: string;
  /** Changed by a retarget (`PATCH …/pulls/{index}` with `base`). */
  baseRef: string;
  headSha: string;
  baseSha: string;
  mergeBase: string;
  merged: boolean;
  mergedAt: string | null;
  mergedBy: string | null;
  mergeCommitSha: string | null;
  requestedReviewers: string[];
  diff: { additions: number; deletions: number; changedFiles: number };
  /** Whether the head merges onto the base without conflict (`git merge-tree`), kept as either moves. */
  mergeable: boolean;
}

export interface IssueRecord {
  readonly id: number;
  /** `owner/name` of the repository. */
  readonly repo: string;
  readonly number: number;
  readonly author: string;
  title: string;
  body: string;
  state: 'open' | 'closed';
  labels: string[];
  assignees: string[];
  readonly createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  readonly pull?: PullState;
}

export interface CommentRecord {
  readonly id: number;
  readonly repo: string;
  readonly issueNumber: number;
  readonly author: string;
  body: string;
  readonly createdAt: string;
  updatedAt: string;
}

export interface ReviewRecord {
  readonly id: number;
  readonly repo: string;
  readonly number: number;
  readonly reviewer: string;
  readonly state: ReviewState;
  readonly body: string;
  readonly commitId: string;
  readonly official: boolean;
  readonly submittedAt: string;
  /** Line comments submitted with the review (`new_position` as `line`). */
  readonly comments?: ReadonlyArray<{ readonly path: string; readonly line: number; readonly body: string }>;
}

/** A comment on a line of a PR's diff, made with a review (Gitea's code comment). */
export interface ReviewCommentRecord {
  readonly id: number;
  readonly reviewId: number;
  readonly repo: string;
  readonly number: number;
  readonly author: string;
  readonly path: string;
  /** The line in the new file (0 when the comment is on a removed line). */
  readonly line: number;
  readonly body: string;
  readonly commitId: string;
  readonly createdAt: string;
}

/**
 * An event on an issue's or PR's timeline (Gitea keeps them in the comment table, so they share
 * the comments' id sequence): an assignee added or removed, a label added or removed (one entry
 * per label), a review requested, a review submitted, a dependency added or removed (one entry
 * on each of its two issues). Written in the same moment as the issue's `updated_at`.
 */
export interface TimelineRecord {
  readonly id: number;
  readonly repo: string;
  readonly issueNumber: number;
  readonly type: 'assignees' | 'label' | 'review_request' | 'review' | 'add_dependency' | 'remove_dependency';
  readonly actor: string;
  readonly createdAt: string;
  /** The assignee, or the reviewer asked for. */
  readonly assignee?: string;
  readonly removedAssignee?: boolean;
  readonly label?: LabelRecord;
  /** For labels: "1" when added, "" when removed; for reviews, the review's text. */
  readonly body: string;
  readonly reviewId?: number;
  /** For dependency entries: the other issue of the dependency (Gitea's `dependent_issue`). */
  readonly dependentIssue?: { readonly repo: string; readonly number: number };
}

/**
 * One native issue dependency (Gitea's `issue_dependency` row): `issue` waits for `dependsOn`
 * ("depends on" / "blocked by"). Both are issues of the double, possibly of two repositories.
 */
export interface DependencyRecord {
  readonly id: number;
  readonly issue: { readonly repo: string; readonly number: number };
  readonly dependsOn: { readonly repo: string; readonly number: number };
  readonly by: string;
  readonly createdAt: string;
}

/**
 * A comment write as it became visible: the moment the double committed a new comment or an
 * edit, after which a GET returns it (ms since the epoch, on the forge's clock). Kept in order,
 * so a test or benchmark can ask when a comment first showed, not only what it says now.
 */
export interface CommentWrite {
  readonly id: number;
  readonly repo: string;
  readonly issueNumber: number;
  readonly author: string;
  readonly action: 'created' | 'edited';
  /** The body as it was made visible by this write. */
  readonly body: string;
  readonly at: number;
}

type Table =
  | 'user'
  | 'repo'
  | 'issue'
  | 'pull'
  | 'comment'
  | 'review'
  | 'label'
  | 'token'
  | 'hook'
  | 'dependency'
  | 'status'
  | 'run'
  | 'job';

export interface ForgeState {
  readonly users: Map<string, UserRecord>;
  readonly repos: Map<string, RepoRecord>;
  readonly issues: IssueRecord[];
  readonly comments: CommentRecord[];
  /** Every comment created or edited, in order, with when it became visible. */
  readonly commentWrites: CommentWrite[];
  readonly reviews: ReviewRecord[];
  readonly reviewComments: ReviewCommentRecord[];
  readonly timeline: TimelineRecord[];
  /** Native issue dependencies, oldest first. */
  readonly dependencies: DependencyRecord[];
  readonly tokens: TokenRecord[];
  readonly hooks: HookRecord[];
  /** Organisations' hooks; `repo` holds the organisation's name. They deliver every event of its repositories. */
  readonly orgHooks: HookRecord[];
  /** Organisation names, lower-cased; an organisation is also a user record, as in Gitea. */
  readonly orgs: Set<string>;
  readonly protections: ProtectionRecord[];
  /** Commit statuses, Actions runs and jobs, scheduled and attempted merges. */
  readonly ci: CiState;
  nextId(table: Table): number;
  /** Now, at whole seconds: `2024-05-01T10:00:00Z`. */
  now(): string;
  /** Now in milliseconds since the epoch, on the same clock. */
  nowMs(): number;
  newToken(): string;
  user(login: string): UserRecord | undefined;
  userByToken(token: string): UserRecord | undefined;
  /** The scopes of an API-made token; undefined for a seeded user's token, which may do anything. */
  scopesOf(token: string): readonly string[] | undefined;
  repo(fullName: string): RepoRecord | undefined;
  issue(repo: string, number: number): IssueRecord | undefined;
  permission(repo: RepoRecord, login: string | undefined): RepoPermission;
}

export function createForgeState(clock: () => Date): ForgeState {
  const counters = new Map<Table, number>();
  const users = new Map<string, UserRecord>();
  const repos = new Map<string, RepoRecord>();
  const issues: IssueRecord[] = [];
  const tokens: TokenRecord[] = [];
  return {
    users,
    repos,
    issues,
    comments: [],
    commentWrites: [],
    reviews: [],
    reviewComments: [],
    timeline: [],
    dependencies: [],
    tokens,
    hooks: [],
    orgHooks: [],
    orgs: new Set(),
    protections: [],
    ci: createCiState(),
    nextId(table) {
      const id = (counters.get(table) ?? 0) + 1;
      counters.set(table, id);
      return id;
    },
    now: () => wholeSeconds(clock()),
    nowMs: () => clock().getTime(),
    newToken: () => randomBytes(20).toString('hex'),
    user: (login) => users.get(login.toLowerCase()),
    userByToken(token) {
      const made = tokens.find((record) => record.token === token);
      if (made !== undefined) return users.get(made.login.toLowerCase());
      return [...users.values()].find((user) => user.token === token);
    },
    scopesOf: (token) => tokens.find((record) => record.token === token)?.scopes,
    repo: (fullName) => repos.get(fullName.toLowerCase()),
    issue: (repo, number) =>
      issues.find((issue) => issue.repo.toLowerCase() === repo.toLowerCase() && issue.number === number),
    permission(repo, login) {
      const user = login === undefined ? undefined : users.get(login.toLowerCase());
      if (user !== undefined && (user.admin || user.login.toLowerCase() === repo.owner.toLowerCase())) return 'owner';
      const level = user === undefined ? undefined : repo.collaborators.get(user.login.toLowerCase());
      if (level !== undefined) return level;
      return repo.private ? 'none' : 'read';
    },
  };
}

export function wholeSeconds(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

export const canWrite = (permission: RepoPermission): boolean => permission !== 'read' && permission !== 'none';

/**
 * The issues `issue` depends on, as Gitea's `BlockedByDependencies` orders them: those of its own
 * repository first, then the others; newest first within each.
 */
export function dependenciesOf(state: ForgeState, issue: IssueRecord): IssueRecord[] {
  const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();
  return state.dependencies
    .filter((record) => same(record.issue.repo, issue.repo) && record.issue.number === issue.number)
    .flatMap((record) => state.issue(record.dependsOn.repo, record.dependsOn.number) ?? [])
    .sort((a, b) => Number(!same(a.repo, issue.repo)) - Number(!same(b.repo, issue.repo)) || b.id - a.id);
}

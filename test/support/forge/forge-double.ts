/**
 * A Forgejo (or Gitea) double for tests and the demo: one loopback HTTP server that serves real
 * git repositories over smart HTTP, the part of the REST API the service uses, and sends
 * webhooks as the real forge does when its state changes — whoever changed it (the service
 * through the API, an agent pushing over git, or a test acting as a person with `as(login)`).
 *
 * State is in memory, repositories in a temporary folder (or `dataDir`). With
 * `checkOpenApi: true` every API request and response is checked against Gitea's swagger and
 * `openApiViolations()` lists what did not fit. Faults inside the double (not refusals, which are
 * answers) are kept in `faults()`; a test can assert there were none.
 */
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createActionsDriver, type ForgeActions } from './actions-driver.js';
import { createActor, type ForgeActor } from './actors.js';
import type { CommitStatusRecord, MergeAttemptRecord, ScheduledMergeRecord } from './ci-state.js';
import { createGitMount, isGitPath } from './git-mount.js';
import { readRefs } from './git-repos.js';
import { createOpenApiChecker, type OpenApiViolation } from './openapi-check.js';
import type { OperationContext } from './operation-context.js';
import { API_PREFIX, createRestApi } from './rest-api.js';
import { authenticate } from './rest-router.js';
import { addUser, createRepo, type ForgeUser, type RepoOptions } from './seed.js';
import {
  createForgeState,
  type CommentRecord,
  type CommentWrite,
  type IssueRecord,
  type ProtectionRecord,
  type ReviewRecord,
} from './state.js';
import { createWebhookSender, hooksFor, type ForgeFlavour, type WebhookDelivery } from './webhooks.js';

export type { ForgeActor } from './actors.js';
export type { ForgeUser, RepoOptions } from './seed.js';
export type { CommentRecord, CommentWrite, IssueRecord, ProtectionRecord, ReviewRecord } from './state.js';
export type { WebhookDelivery, ForgeFlavour } from './webhooks.js';
export type { OpenApiViolation } from './openapi-check.js';
export type { ForgeActions, JobSpec, RunSpec, RerunOutcome } from './actions-driver.js';
export type { CommitStatusRecord, MergeAttemptRecord, ScheduledMergeRecord } from './ci-state.js';
export { ForgeRefusal } from './operation-context.js';

export interface ForgeDoubleOptions {
  /** Where webhooks go; none are sent (but all are recorded) until one is set. */
  readonly webhookUrl?: string;
  /** The hook's secret; '' sends the signature headers empty, as Forgejo does. */
  readonly webhookSecret: string;
  readonly flavour?: ForgeFlavour;
  /** Where the bare repositories live; a temporary folder (removed on close) when omitted. */
  readonly dataDir?: string;
  readonly checkOpenApi?: boolean;
  /** The forge's clock, for tests about `since`. */
  readonly clock?: () => Date;
  /** Webhook delivery timeout; Forgejo's default 5 s. */
  readonly webhookTimeoutMs?: number;
}

export interface ForgeRequest {
  readonly kind: 'api' | 'git';
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly status: number;
  /** The authorization scheme as sent (`token`, `Basic`, …), never the credential. */
  readonly authScheme: string | undefined;
  /** Who the credentials belong to, when they belong to someone. */
  readonly login: string | undefined;
}

export interface RepoHandle {
  readonly fullName: string;
  readonly cloneUrl: string;
  readonly defaultBranch: string;
}

export interface ForgeDouble {
  /** The forge's web URL: `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** `url` + `/api/v1`. */
  readonly apiUrl: string;
  readonly flavour: ForgeFlavour;
  gitUrl(owner: string, name: string): string;
  addUser(login: string, options?: { admin?: boolean }): ForgeUser;
  /** An organisation: a user record marked as one; its repositories are made with `createRepo(org, …)`. */
  createOrg(name: string): void;
  /** Creates the owner as a user too when it does not exist. */
  createRepo(owner: string, name: string, options?: RepoOptions): Promise<RepoHandle>;
  as(login: string): ForgeActor;
  issues(repo: string): readonly IssueRecord[];
  issue(repo: string, number: number): IssueRecord | undefined;
  pulls(repo: string): readonly IssueRecord[];
  comments(repo: string, number?: number): readonly CommentRecord[];
  /**
   * Every comment created or edited (through the API or by an actor), oldest first, each with the
   * moment it became visible — when a GET would first return it: "when did the status comment of
   * this issue first show?" is the first matching write's `at`.
   */
  commentWrites(repo: string, number?: number): readonly CommentWrite[];
  reviews(repo: string, number: number): readonly ReviewRecord[];
  /** `main` → sha, from the repository on disk. */
  branches(repo: string): Promise<Record<string, string>>;
  deliveries(): readonly WebhookDelivery[];
  /** Who the admin API created, with what full name and e-mail (a password is never shown). */
  user(login: string): { login: string; fullName: string; email: string } | undefined;
  /** Tokens made through the API, with their scopes; `token` is the secret itself. */
  tokens(login: string): ReadonlyArray<{ name: string; token: string; scopes: readonly string[] }>;
  /** Webhooks made through the API on a repository, or on an organisation with `org`. */
  hooks(
    repo: string,
    scope?: 'org',
  ): ReadonlyArray<{
    id: number;
    url: string;
    contentType: string;
    secret: string;
    events: readonly string[];
    active: boolean;
  }>;
  /** Collaborators of a repository and their access. */
  collaborators(repo: string): Readonly<Record<string, string>>;
  labels(repo: string): readonly string[];
  /** Branch protection rules made through the API, with every setting the double keeps. */
  protections(repo: string): ReadonlyArray<Readonly<ProtectionRecord>>;
  /** The repository's Actions, driven by the test: runs, jobs, their logs, reruns (`actions-driver.ts`). */
  readonly actions: ForgeActions;
  /** Commit statuses of a repository (of one commit with `sha`), newest first. */
  statuses(repo: string, sha?: string): readonly CommitStatusRecord[];
  /** Every merge asked for through the API, with what the double answered, oldest first. */
  mergeAttempts(repo: string): readonly MergeAttemptRecord[];
  /** Merges waiting for their checks (`merge_when_checks_succeed`). */
  scheduledMerges(repo: string): readonly ScheduledMergeRecord[];
  /** Waits until every push received so far is processed and every webhook emitted has been tried. */
  idle(): Promise<void>;
  setWebhookUrl(url: string | undefined): void;
  /** The next API request matching `method` and `path` (under `/api/v1`) is answered `status` without being run. */
  refuseNext(method: string, path: RegExp, status?: number): void;
  /**
   * The next API request matching `method` and `path` (and made by `login`, when given) is run —
   * its changes made, its webhooks sent — but its answer is lost: the connection is closed with
   * none, as when the service stops after sending or gives up waiting. Logged with status 0.
   */
  loseAnswerOfNext(method: string, path: RegExp, login?: string): void;
  requests(): readonly ForgeRequest[];
  openApiViolations(): readonly OpenApiViolation[];
  faults(): readonly unknown[];
  close(): Promise<void>;
}

export async function startForgeDouble(options: ForgeDoubleOptions): Promise<ForgeDouble> {
  const flavour = options.flavour ?? 'forgejo';
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'forge-double-')));
  const reposRoot = join(dataDir, 'repos');
  const checker = options.checkOpenApi === true ? await createOpenApiChecker() : undefined;
  const state = createForgeState(options.clock ?? (() => new Date()));
  const hooks = createWebhookSender({
    url: options.webhookUrl,
    secret: options.webhookSecret,
    flavour,
    timeoutMs: options.webhookTimeoutMs,
    hooksFor: (eventType, payload) => hooksFor(state, eventType, payload),
  });
  const violations: OpenApiViolation[] = [];
  const faults: unknown[] = [];
  const requests: ForgeRequest[] = [];
  const refusals: Array<{ method: string; path: RegExp; status: number }> = [];
  const losses: Array<{ method: string; path: RegExp; login: string | undefined }> = [];

  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const ctx: OperationContext = { state, hooks, flavour, render: { state, baseUrl: url } };
  const api = createRestApi({
    ctx,
    checker,
    onViolations: (found) => violations.push(...found),
    onError: (error) => faults.push(error),
  });
  const git = createGitMount(ctx, reposRoot, (error) => faults.push(error));

  server.on('request', (req, res) => {
    const path = new URL(req.url ?? '/', url).pathname;
    const kind = path.startsWith(`${API_PREFIX}/`) ? 'api' : isGitPath(path) ? 'git' : undefined;
    res.on('finish', () => requests.push(logEntry(req, kind ?? 'api', res.statusCode)));
    const refusal =
      kind === 'api'
        ? refusals.findIndex((r) => r.method === req.method && r.path.test(path.slice(API_PREFIX.length)))
        : -1;
    if (refusal >= 0) {
      const status = refusals.splice(refusal, 1)[0]?.status ?? 500;
      res
        .writeHead(status, { 'content-type': 'application/json' })
        .end(JSON.stringify({ message: 'refused by the test', url: `${url}/api/swagger` }));
      return;
    }
    if (kind === 'api' && takeLoss(req, path)) {
      res.on('close', () => requests.push(logEntry(req, 'api', 0)));
      api(req, res, 'lose');
    } else if (kind === 'api') api(req, res);
    else if (kind === 'git') git.handle(req, res);
    else res.writeHead(404).end('not found\n');
  });

  function takeLoss(req: IncomingMessage, path: string): boolean {
    const user = authenticate(req.headers.authorization, state, flavour);
    const login = typeof user === 'object' ? user.login.toLowerCase() : undefined;
    const index = losses.findIndex(
      (loss) =>
        loss.method === req.method &&
        loss.path.test(path.slice(API_PREFIX.length)) &&
        (loss.login === undefined || loss.login === login),
    );
    if (index < 0) return false;
    losses.splice(index, 1);
    return true;
  }

  function logEntry(req: IncomingMessage, kind: 'api' | 'git', status: number): ForgeRequest {
    const target = new URL(req.url ?? '/', url);
    const header = req.headers.authorization;
    const user = authenticate(header, state, flavour);
    return {
      kind,
      method: req.method ?? 'GET',
      path: target.pathname,
      query: target.search,
      status,
      authScheme: header?.split(' ', 1)[0],
      login: typeof user === 'object' ? user.login : undefined,
    };
  }

  const inRepo = (repo: string) => (record: { repo: string }) => record.repo.toLowerCase() === repo.toLowerCase();

  return {
    url,
    apiUrl: `${url}${API_PREFIX}`,
    flavour,
    gitUrl: (owner, name) => `${url}/${owner}/${name}.git`,
    addUser: (login, userOptions) => addUser(state, login, userOptions),
    createOrg(name) {
      addUser(state, name);
      state.orgs.add(name.toLowerCase());
    },
    async createRepo(owner, name, repoOptions) {
      const repo = await createRepo(state, reposRoot, owner, name, repoOptions);
      return { fullName: repo.fullName, cloneUrl: `${url}/${repo.fullName}.git`, defaultBranch: repo.defaultBranch };
    },
    as: (login) => createActor(ctx, login),
    issues: (repo) => state.issues.filter(inRepo(repo)),
    issue: (repo, number) => state.issue(repo, number),
    pulls: (repo) => state.issues.filter((issue) => inRepo(repo)(issue) && issue.pull !== undefined),
    comments: (repo, number) =>
      state.comments.filter(
        (comment) => inRepo(repo)(comment) && (number === undefined || comment.issueNumber === number),
      ),
    commentWrites: (repo, number) =>
      state.commentWrites.filter(
        (write) => inRepo(repo)(write) && (number === undefined || write.issueNumber === number),
      ),
    reviews: (repo, number) => state.reviews.filter((review) => inRepo(repo)(review) && review.number === number),
    async branches(repo) {
      const record = state.repo(repo);
      if (record === undefined) throw new Error(`forge double: no repository ${repo}`);
      const refs = await readRefs(record.gitDir);
      return Object.fromEntries(
        [...refs]
          .filter(([ref]) => ref.startsWith('refs/heads/'))
          .map(([ref, sha]) => [ref.slice('refs/heads/'.length), sha]),
      );
    },
    deliveries: () => hooks.deliveries(),
    user(login) {
      const user = state.user(login);
      return user === undefined
        ? undefined
        : { login: user.login, fullName: user.fullName ?? '', email: user.email ?? '' };
    },
    tokens: (login) => state.tokens.filter((t) => t.login.toLowerCase() === login.toLowerCase()),
    hooks: (repo, scope) => (scope === 'org' ? state.orgHooks : state.hooks).filter(inRepo(repo)),
    collaborators: (repo) => Object.fromEntries(state.repo(repo)?.collaborators ?? []),
    labels: (repo) => (state.repo(repo)?.labels ?? []).map((label) => label.name),
    protections: (repo) => state.protections.filter(inRepo(repo)),
    actions: createActionsDriver(ctx),
    statuses: (repo, sha) =>
      state.ci.statuses
        .filter((status) => inRepo(repo)(status) && (sha === undefined || status.sha === sha))
        .sort((a, b) => b.id - a.id),
    mergeAttempts: (repo) => state.ci.mergeAttempts.filter(inRepo(repo)),
    scheduledMerges: (repo) => state.ci.scheduledMerges.filter(inRepo(repo)),
    async idle() {
      // A push is turned into webhooks after git answered the client; wait for both.
      await git.settled();
      await hooks.idle();
    },
    setWebhookUrl: (next) => hooks.setUrl(next),
    refuseNext: (method, path, status = 500) => void refusals.push({ method, path, status }),
    loseAnswerOfNext: (method, path, login) => void losses.push({ method, path, login: login?.toLowerCase() }),
    requests: () => requests,
    openApiViolations: () => violations,
    faults: () => faults,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await git.settled();
      await hooks.idle();
      if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

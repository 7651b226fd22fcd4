/**
 * The REST routes onboarding uses (`claude-hooks init` and `doctor`), answering as Gitea does:
 * site-admin user creation and edits, a user's access tokens (only with Basic auth as that user and
 * their password, as Gitea's `reqBasicOrRevProxyAuth` demands), collaborators with a permission,
 * labels, and repository and organisation webhooks with their test delivery. Branch protections
 * are in `rest-protection-routes.ts`.
 *
 * A hook takes the event names its forge has and drops any other without a word, as both forges
 * do (`routers/api/v1/utils/hook.go`: each known event is looked up in `events`, nothing is
 * refused): Gitea has the commit `status` and the Actions `workflow_run`/`workflow_job` events,
 * Forgejo its `action_run_*` ones, which an edit leaves as they were (its `editHook` sets only the
 * others).
 */
import { pushPayload } from './payloads.js';
import { adminRepoFor, ForgeRefusal, repoFor, type OperationContext } from './operation-context.js';
import { readRefs, commitsBetween } from './git-repos.js';
import { apiLabel, apiRepo, apiUser, type Json } from './render.js';
import { apiError, ok, paginate, route, stringField, arrayField, type ApiRequest, type Route } from './rest-router.js';
import type { AccessLevel, HookRecord, RepoRecord, TokenRecord, UserRecord } from './state.js';
import type { ForgeFlavour } from './webhooks.js';

const repoName = (params: Readonly<Record<string, string>>): string => `${params.owner ?? ''}/${params.repo ?? ''}`;

/** Gitea's and Forgejo's `modules/webhook/type.go` names both have, as `CreateHookOption.events` takes them. */
const SHARED_EVENTS = [
  'create',
  'delete',
  'fork',
  'push',
  'issues',
  'issue_assign',
  'issue_label',
  'issue_milestone',
  'issue_comment',
  'pull_request',
  'pull_request_assign',
  'pull_request_label',
  'pull_request_milestone',
  'pull_request_comment',
  'pull_request_review',
  'pull_request_review_request',
  'pull_request_sync',
  'wiki',
  'repository',
  'release',
  'package',
];
const FORGEJO_ACTION_EVENTS = ['action_run_failure', 'action_run_success', 'action_run_recover'];
const HOOK_EVENT_NAMES: Readonly<Record<ForgeFlavour, ReadonlySet<string>>> = {
  gitea: new Set([...SHARED_EVENTS, 'status', 'workflow_run', 'workflow_job']),
  forgejo: new Set([...SHARED_EVENTS, ...FORGEJO_ACTION_EVENTS]),
};
/** Events an edit leaves as they were: only creating a hook sets them. */
const SET_ON_CREATE_ONLY: Readonly<Record<ForgeFlavour, ReadonlySet<string>>> = {
  gitea: new Set(),
  forgejo: new Set(FORGEJO_ACTION_EVENTS),
};

export function adminRoutes(ctx: OperationContext): Route[] {
  const r = ctx.render;
  const { state } = ctx;

  function siteAdmin(req: ApiRequest): void {
    if (!req.user.admin) throw new ForgeRefusal('forbidden', 'must be a site administrator');
  }
  const repoAdmin = (req: ApiRequest, params: Readonly<Record<string, string>>): RepoRecord =>
    adminRepoFor(ctx, req.user.login, repoName(params));
  function namedUser(login: string): UserRecord {
    const user = state.user(login);
    if (user === undefined) throw new ForgeRefusal('not-found', `user ${login} does not exist`);
    return user;
  }
  function asThatUserWithPassword(req: ApiRequest, login: string): UserRecord {
    if (req.via !== 'password' || req.user.login.toLowerCase() !== login.toLowerCase())
      throw new ForgeRefusal('forbidden', 'auth required: basic authentication as the user, with a password');
    return req.user;
  }
  function orgNamed(req: ApiRequest, name: string, need: 'see' | 'own' = 'own'): string {
    if (!state.orgs.has(name.toLowerCase())) throw new ForgeRefusal('not-found', `organisation ${name} not found`);
    // Anyone sees a public organisation; only site admins administer one in the double (Gitea: its owners team too).
    if (need === 'own' && !req.user.admin)
      throw new ForgeRefusal('forbidden', `${req.user.login} is not an owner of ${name}`);
    return state.user(name)?.login ?? name;
  }
  function hookOf(repo: RepoRecord, id: number): HookRecord {
    const hook = state.hooks.find((h) => h.repo === repo.fullName && h.id === id);
    if (hook === undefined) throw new ForgeRefusal('not-found', `hook ${id} not found`);
    return hook;
  }
  const apiHook = (hook: HookRecord): Json => ({
    id: hook.id,
    type: 'gitea',
    branch_filter: '*',
    config: {
      url: hook.url,
      content_type: hook.contentType === 'application/json' ? 'json' : 'form',
      http_method: 'post',
    },
    events: [...hook.events],
    authorization_header: '',
    active: hook.active,
    updated_at: hook.updatedAt,
    created_at: hook.createdAt,
  });
  const apiToken = (token: TokenRecord, reveal: boolean): Json => ({
    id: token.id,
    name: token.name,
    sha1: reveal ? token.token : '',
    token_last_eight: token.token.slice(-8),
    scopes: [...token.scopes],
    created_at: token.createdAt,
    last_used_at: token.createdAt,
  });
  function hookConfig(body: unknown): { url?: string; contentType?: string; secret?: string } {
    const config = typeof body === 'object' && body !== null ? (body as Record<string, unknown>).config : undefined;
    if (typeof config !== 'object' || config === null) return {};
    const type = stringField(config, 'content_type');
    return {
      url: stringField(config, 'url'),
      contentType:
        type === undefined ? undefined : type === 'json' ? 'application/json' : 'application/x-www-form-urlencoded',
      secret: stringField(config, 'secret'),
    };
  }

  /** The names of `events` the forge has (matched without regard to case, as the forges do), once each. */
  function knownEvents(body: unknown): string[] {
    const given = (arrayField(body, 'events') ?? []).filter((e): e is string => typeof e === 'string');
    return [...new Set(given.map((e) => e.toLowerCase()))].filter((e) => HOOK_EVENT_NAMES[ctx.flavour].has(e));
  }

  function editHook(hook: HookRecord, body: unknown): void {
    const config = hookConfig(body);
    const fields = body as Record<string, unknown>;
    if (config.url !== undefined) hook.url = config.url;
    if (config.contentType !== undefined) hook.contentType = config.contentType;
    if (config.secret !== undefined) hook.secret = config.secret;
    if (arrayField(body, 'events') !== undefined) {
      const kept = hook.events.filter((e) => SET_ON_CREATE_ONLY[ctx.flavour].has(e));
      const edited = knownEvents(body).filter((e) => !SET_ON_CREATE_ONLY[ctx.flavour].has(e));
      hook.events = [...edited, ...kept];
    }
    if (typeof fields.active === 'boolean') hook.active = fields.active;
    hook.updatedAt = state.now();
  }

  return [
    route('POST', '/admin/users', (req) => {
      siteAdmin(req);
      const username = stringField(req.body, 'username');
      const email = stringField(req.body, 'email');
      if (username === undefined || email === undefined)
        throw new ForgeRefusal('invalid', 'username and email are required');
      if (state.user(username) !== undefined)
        throw new ForgeRefusal('invalid', `user already exists [name: ${username}]`);
      const user: UserRecord = {
        id: state.nextId('user'),
        login: username,
        token: state.newToken(),
        admin: false,
        createdAt: state.now(),
        email,
        fullName: stringField(req.body, 'full_name') ?? '',
        password: stringField(req.body, 'password'),
      };
      state.users.set(username.toLowerCase(), user);
      return ok(apiUser(r, user), 201);
    }),
    route('PATCH', '/admin/users/{username}', (req, params) => {
      siteAdmin(req);
      const user = namedUser(params.username ?? '');
      const password = stringField(req.body, 'password');
      const fullName = stringField(req.body, 'full_name');
      const email = stringField(req.body, 'email');
      if (password !== undefined) user.password = password;
      if (fullName !== undefined) user.fullName = fullName;
      if (email !== undefined) user.email = email;
      return ok(apiUser(r, user));
    }),
    route('GET', '/users/{username}', (_req, params) => ok(apiUser(r, namedUser(params.username ?? '')))),
    route('GET', '/users/{username}/tokens', (req, params) => {
      const user = asThatUserWithPassword(req, params.username ?? '');
      const { page, headers } = paginate(
        state.tokens.filter((t) => t.login === user.login),
        req,
      );
      return ok(
        page.map((t) => apiToken(t, false)),
        200,
        headers,
      );
    }),
    route('POST', '/users/{username}/tokens', (req, params) => {
      const user = asThatUserWithPassword(req, params.username ?? '');
      const name = stringField(req.body, 'name');
      if (name === undefined || name === '') return apiError(r.baseUrl, 400, 'name is required');
      if (state.tokens.some((t) => t.login === user.login && t.name === name))
        return apiError(r.baseUrl, 400, 'access token name has been used already');
      const scopes = (arrayField(req.body, 'scopes') ?? []).filter((s): s is string => typeof s === 'string');
      const token: TokenRecord = {
        id: state.nextId('token'),
        login: user.login,
        name,
        token: state.newToken(),
        scopes,
        createdAt: state.now(),
      };
      state.tokens.push(token);
      return ok(apiToken(token, true), 201);
    }),
    route('GET', '/repos/{owner}/{repo}/collaborators/{collaborator}', (req, params) => {
      const repo = repoFor(ctx, req.user.login, repoName(params), 'read');
      const user = state.user(params.collaborator ?? '');
      if (user === undefined) throw new ForgeRefusal('invalid', `user ${params.collaborator} does not exist`);
      // A collaborator in its own right; the owner and site admins are not listed (Gitea's IsCollaborator).
      if (!repo.collaborators.has(user.login.toLowerCase()))
        throw new ForgeRefusal('not-found', `${user.login} is not a collaborator of ${repo.fullName}`);
      return { status: 204 };
    }),
    route('PUT', '/repos/{owner}/{repo}/collaborators/{collaborator}', (req, params) => {
      const repo = repoAdmin(req, params);
      const user = namedUser(params.collaborator ?? '');
      const permission = stringField(req.body, 'permission') ?? 'write';
      if (!['read', 'write', 'admin'].includes(permission))
        throw new ForgeRefusal('invalid', `permission ${permission} is not read, write or admin`);
      repo.collaborators.set(user.login.toLowerCase(), permission as AccessLevel);
      return { status: 204 };
    }),
    route('POST', '/repos/{owner}/{repo}/labels', (req, params) => {
      const repo = repoFor(ctx, req.user.login, repoName(params), 'write');
      const name = stringField(req.body, 'name');
      const color = stringField(req.body, 'color');
      if (name === undefined || color === undefined) throw new ForgeRefusal('invalid', 'name and color are required');
      const label = { id: state.nextId('label'), name, color: color.replace(/^#/, '') };
      repo.labels.push(label);
      return ok(apiLabel(r, repo.fullName, label), 201);
    }),
    route('GET', '/repos/{owner}/{repo}/hooks', (req, params) => {
      const repo = repoAdmin(req, params);
      const { page, headers } = paginate(
        state.hooks.filter((h) => h.repo === repo.fullName),
        req,
      );
      return ok(page.map(apiHook), 200, headers);
    }),
    route('POST', '/repos/{owner}/{repo}/hooks', (req, params) => {
      const repo = repoAdmin(req, params);
      const config = hookConfig(req.body);
      if (config.url === undefined) throw new ForgeRefusal('invalid', 'config.url is required');
      const now = state.now();
      const events = knownEvents(req.body);
      const active = (req.body as Record<string, unknown>).active === true;
      const hook: HookRecord = {
        id: state.nextId('hook'),
        repo: repo.fullName,
        url: config.url,
        contentType: config.contentType ?? 'application/x-www-form-urlencoded',
        secret: config.secret ?? '',
        events,
        active,
        createdAt: now,
        updatedAt: now,
      };
      state.hooks.push(hook);
      return ok(apiHook(hook), 201);
    }),
    route('PATCH', '/repos/{owner}/{repo}/hooks/{id}', (req, params) => {
      const hook = hookOf(repoAdmin(req, params), Number(params.id));
      editHook(hook, req.body);
      return ok(apiHook(hook));
    }),
    route('POST', '/repos/{owner}/{repo}/hooks/{id}/tests', async (req, params) => {
      const repo = repoAdmin(req, params);
      const hook = hookOf(repo, Number(params.id));
      // Gitea sends a push of the default branch's last commit, whatever the hook's events.
      const sha = (await readRefs(repo.gitDir)).get(`refs/heads/${repo.defaultBranch}`) ?? '';
      const commits = sha === '' ? [] : (await commitsBetween(repo.gitDir, sha, [])).slice(-1);
      const payload = pushPayload(
        r,
        { repo: repo.fullName, ref: `refs/heads/${repo.defaultBranch}`, before: sha, after: sha, commits },
        req.user.login,
      );
      ctx.hooks.sendTo(
        { hookId: hook.id, url: hook.url, secret: hook.secret, contentType: hook.contentType },
        'push',
        payload,
      );
      return { status: 204 };
    }),
    route('GET', '/orgs/{org}', (req, params) => {
      const name = orgNamed(req, params.org ?? '', 'see');
      const user = state.user(name);
      return ok({
        id: user?.id ?? 0,
        name,
        username: name,
        full_name: '',
        email: '',
        avatar_url: `${r.baseUrl}/avatars/${user?.id ?? 0}`,
        description: '',
        website: '',
        location: '',
        visibility: 'public',
        repo_admin_change_team_access: false,
      });
    }),
    route('GET', '/orgs/{org}/repos', (req, params) => {
      const name = orgNamed(req, params.org ?? '', 'see');
      const repos = [...state.repos.values()]
        .filter((repo) => repo.owner.toLowerCase() === name.toLowerCase())
        .sort((a, b) => a.id - b.id);
      const { page, headers } = paginate(repos, req);
      return ok(
        page.map((repo) => apiRepo(r, repo, state.permission(repo, req.user.login))),
        200,
        headers,
      );
    }),
    route('GET', '/orgs/{org}/hooks', (req, params) => {
      const name = orgNamed(req, params.org ?? '');
      const { page, headers } = paginate(
        state.orgHooks.filter((h) => h.repo.toLowerCase() === name.toLowerCase()),
        req,
      );
      return ok(page.map(apiHook), 200, headers);
    }),
    route('POST', '/orgs/{org}/hooks', (req, params) => {
      const name = orgNamed(req, params.org ?? '');
      const config = hookConfig(req.body);
      if (config.url === undefined) throw new ForgeRefusal('invalid', 'config.url is required');
      const now = state.now();
      const events = knownEvents(req.body);
      const hook: HookRecord = {
        id: state.nextId('hook'),
        repo: name,
        url: config.url,
        contentType: config.contentType ?? 'application/x-www-form-urlencoded',
        secret: config.secret ?? '',
        events,
        active: (req.body as Record<string, unknown>).active === true,
        createdAt: now,
        updatedAt: now,
      };
      state.orgHooks.push(hook);
      return ok(apiHook(hook), 201);
    }),
    route('PATCH', '/orgs/{org}/hooks/{id}', (req, params) => {
      const name = orgNamed(req, params.org ?? '');
      const hook = state.orgHooks.find(
        (h) => h.repo.toLowerCase() === name.toLowerCase() && h.id === Number(params.id),
      );
      if (hook === undefined) throw new ForgeRefusal('not-found', `hook ${params.id} not found`);
      editHook(hook, req.body);
      return ok(apiHook(hook));
    }),
  ];
}

/**
 * The onboarding port (`../../onboarding/ports.ts`) over Forgejo's and Gitea's REST API, as one
 * credential (`Authorization: token …`). Token creation alone authenticates with Basic auth as the
 * new token's user: Gitea's `/users/{username}/tokens` routes take nothing else (not a token, not
 * `Sudo`). Every answer read goes through a schema in `gitea-onboarding-schema.ts`.
 */
import type { z } from 'zod';
import { ForgeApiError } from '../forge/client.js';
import { createTransport } from '../forge/rest/transport.js';
import type { BranchRule, BranchRuleChange, HookOwner, OnboardingForge, RepoAccess } from './ports.js';
import {
  AccountData,
  BranchRuleData,
  CreatedToken,
  HookData,
  LabelData,
  OrgRepoData,
  PermissionData,
  ProtectionData,
  RepositoryData,
} from './gitea-onboarding-schema.js';

export interface OnboardingClientOptions {
  readonly baseUrl: string;
  /** The credential's value; never logged, never put in a URL. */
  readonly token: string;
  readonly fetch?: typeof fetch;
  readonly timeoutMs?: number;
}

const NAME = /^[A-Za-z0-9_.-]+$/;
const ACCESS: readonly RepoAccess[] = ['owner', 'admin', 'write', 'read', 'none'];

export function createOnboardingClient(options: OnboardingClientOptions): OnboardingForge {
  const transport = createTransport(options);

  async function call(
    method: string,
    path: string,
    body?: unknown,
    authorization = `token ${options.token}`,
  ): Promise<{ status: number; json: unknown; text: string }> {
    const { status, text } = await transport(method, path, { authorization, body });
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status, json, text };
  }

  async function expect<S extends z.ZodType>(
    schema: S,
    method: string,
    path: string,
    body?: unknown,
    authorization?: string,
  ): Promise<z.infer<S>> {
    const answer = await call(method, path, body, authorization);
    if (answer.status < 200 || answer.status > 299)
      throw new ForgeApiError(method, path, answer.status, messageOf(answer));
    const parsed = schema.safeParse(answer.json);
    if (!parsed.success)
      throw new ForgeApiError(
        method,
        path,
        answer.status,
        `answer does not have the fields onboarding reads: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`,
      );
    return parsed.data;
  }

  async function done(method: string, path: string, body?: unknown): Promise<void> {
    const answer = await call(method, path, body);
    if (answer.status < 200 || answer.status > 299)
      throw new ForgeApiError(method, path, answer.status, messageOf(answer));
  }

  async function list<S extends z.ZodType>(schema: S, path: string): Promise<Array<z.infer<S>>> {
    const items: Array<z.infer<S>> = [];
    for (let page = 1; page <= 100; page++) {
      const batch = (await expect(schema.array(), 'GET', `${path}?page=${page}&limit=50`)) as Array<z.infer<S>>;
      items.push(...batch);
      if (batch.length < 50) break;
    }
    return items;
  }

  return {
    async whoAmI() {
      const answer = await call('GET', '/user');
      if (answer.status >= 200 && answer.status < 300) {
        const parsed = AccountData.safeParse(answer.json);
        if (parsed.success) return { ok: true, login: parsed.data.login };
      }
      if (answer.status === 0 || answer.status >= 500)
        throw new ForgeApiError('GET', '/user', answer.status, messageOf(answer));
      return { ok: false, status: answer.status, message: messageOf(answer) };
    },
    async user(login) {
      const answer = await call('GET', `/users/${name(login)}`);
      if (answer.status === 404) return undefined;
      if (answer.status !== 200) throw new ForgeApiError('GET', `/users/${login}`, answer.status, messageOf(answer));
      const data = AccountData.parse(answer.json);
      return { login: data.login, fullName: data.full_name ?? '', email: data.email ?? '' };
    },
    createUser: (account) =>
      done('POST', '/admin/users', {
        username: name(account.login),
        full_name: account.fullName,
        email: account.email,
        password: account.password,
        must_change_password: false,
        send_notify: false,
      }),
    setPassword: (login, password) =>
      done('PATCH', `/admin/users/${name(login)}`, {
        login_name: login,
        source_id: 0,
        password,
        must_change_password: false,
      }),
    async createToken(login, password, tokenName, scopes) {
      const basic = `Basic ${Buffer.from(`${login}:${password}`).toString('base64')}`;
      const created = await expect(
        CreatedToken,
        'POST',
        `/users/${name(login)}/tokens`,
        { name: tokenName, scopes },
        basic,
      );
      return created.sha1;
    },
    async hasScope(scope, repo) {
      const probe = scopeProbe(scope, repoPath(repo));
      const answer = await call(probe.method, probe.path);
      if (answer.status === 0 || answer.status >= 500)
        throw new ForgeApiError(probe.method, probe.path, answer.status, messageOf(answer));
      return !(answer.status === 403 && /scope/i.test(messageOf(answer)));
    },
    async access(repo, login) {
      const answer = await call('GET', `${repoPath(repo)}/collaborators/${name(login)}/permission`);
      if (answer.status === 404) return 'none';
      if (answer.status !== 200)
        throw new ForgeApiError(
          'GET',
          `${repoPath(repo)}/collaborators/${login}/permission`,
          answer.status,
          messageOf(answer),
        );
      const level = PermissionData.parse(answer.json).permission as RepoAccess;
      return ACCESS.includes(level) ? level : 'none';
    },
    async isCollaborator(repo, login) {
      const path = `${repoPath(repo)}/collaborators/${name(login)}`;
      const answer = await call('GET', path);
      if (answer.status === 204) return true;
      if (answer.status === 404) return false;
      throw new ForgeApiError('GET', path, answer.status, messageOf(answer));
    },
    grant: (repo, login, level) => done('PUT', `${repoPath(repo)}/collaborators/${name(login)}`, { permission: level }),
    labels: async (repo) => (await list(LabelData, `${repoPath(repo)}/labels`)).map((label) => label.name),
    createLabel: (repo, labelName, color) =>
      done('POST', `${repoPath(repo)}/labels`, { name: labelName, color: `#${color}` }),
    async hooks(owner) {
      if ('org' in owner && (await call('GET', `/orgs/${name(owner.org)}`)).status === 404) return [];
      return (await list(HookData, `${hooksPath(owner)}`)).map((hook) => ({
        id: hook.id,
        url: hook.config?.url ?? '',
        contentType: hook.config?.content_type ?? '',
        events: hook.events ?? [],
        active: hook.active,
      }));
    },
    createHook: (owner, spec) =>
      done('POST', hooksPath(owner), {
        type: 'gitea',
        config: { url: spec.url, content_type: 'json', secret: spec.secret },
        events: spec.events,
        branch_filter: '*',
        active: true,
      }),
    repairHook: (owner, id, spec) =>
      done('PATCH', `${hooksPath(owner)}/${id}`, {
        config: { url: spec.url, content_type: 'json', secret: spec.secret },
        events: spec.events,
        branch_filter: '*',
        active: true,
      }),
    async orgRepos(org) {
      if ((await call('GET', `/orgs/${name(org)}`)).status === 404) return undefined;
      return (await list(OrgRepoData, `/orgs/${name(org)}/repos`)).map((repo) => repo.full_name);
    },
    testHook: (repo, id) => done('POST', `${repoPath(repo)}/hooks/${id}/tests`),
    defaultBranch: async (repo) => (await expect(RepositoryData, 'GET', repoPath(repo))).default_branch,
    protectedBranches: async (repo) =>
      (await expect(ProtectionData.array(), 'GET', `${repoPath(repo)}/branch_protections`)).map(
        (rule) => rule.rule_name ?? rule.branch_name ?? '',
      ),
    async branchRule(repo, branch) {
      const path = rulePath(repo, branch);
      const answer = await call('GET', path);
      if (answer.status === 404) return undefined;
      if (answer.status !== 200) throw new ForgeApiError('GET', path, answer.status, messageOf(answer));
      return toBranchRule(BranchRuleData.parse(answer.json));
    },
    protectBranch: (repo, branch, rule) =>
      done('POST', `${repoPath(repo)}/branch_protections`, { rule_name: branch, ...ruleFields(rule) }),
    editBranchRule: (repo, branch, change) => done('PATCH', rulePath(repo, branch), ruleFields(change)),
  };
}

function toBranchRule(data: z.infer<typeof BranchRuleData>): BranchRule {
  const list = (enabled: boolean, names: readonly string[] | null | undefined) => (enabled ? [...(names ?? [])] : null);
  return {
    enablePush: data.enable_push,
    pushAllowlist: data.enable_push ? list(data.enable_push_whitelist, data.push_whitelist_usernames) : null,
    requiredApprovals: data.required_approvals,
    dismissStaleApprovals: data.dismiss_stale_approvals,
    approvalsAllowlist: list(data.enable_approvals_whitelist, data.approvals_whitelist_username),
    mergeAllowlist: list(data.enable_merge_whitelist, data.merge_whitelist_usernames),
  };
}

/**
 * The body fields for the parts of a rule being set. Gitea reads `enable_push_whitelist` only
 * together with `enable_push` (`EditBranchProtection`), so a push allowlist is always sent with it.
 */
function ruleFields(change: BranchRuleChange): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  if (change.enablePush !== undefined || change.pushAllowlist !== undefined) {
    // An allowlist given without `enablePush` is meant to be in force.
    fields.enable_push = change.enablePush ?? change.pushAllowlist !== null;
    if (change.pushAllowlist !== undefined) {
      fields.enable_push_whitelist = change.pushAllowlist !== null;
      fields.push_whitelist_usernames = [...(change.pushAllowlist ?? [])];
    }
  }
  if (change.requiredApprovals !== undefined) fields.required_approvals = change.requiredApprovals;
  if (change.dismissStaleApprovals !== undefined) fields.dismiss_stale_approvals = change.dismissStaleApprovals;
  if (change.approvalsAllowlist !== undefined) {
    fields.enable_approvals_whitelist = change.approvalsAllowlist !== null;
    fields.approvals_whitelist_username = [...(change.approvalsAllowlist ?? [])];
  }
  if (change.mergeAllowlist !== undefined) {
    fields.enable_merge_whitelist = change.mergeAllowlist !== null;
    fields.merge_whitelist_usernames = [...(change.mergeAllowlist ?? [])];
  }
  return fields;
}

/**
 * A request that needs `scope` and changes nothing: Gitea checks a token's scopes before it looks
 * for the resource, so a missing scope answers 403 "…required scope(s)…" and a present one 404
 * (or, for a read, the resource itself). Each is an operation whose swagger documents that 403.
 */
function scopeProbe(scope: string, repo: string): { method: string; path: string } {
  switch (scope) {
    case 'read:user':
      return { method: 'GET', path: '/user' };
    case 'write:issue':
      return { method: 'DELETE', path: `${repo}/issues/comments/0` };
    case 'read:repository':
      return { method: 'GET', path: `${repo}/stargazers` };
    case 'write:repository':
      return { method: 'DELETE', path: `${repo}/pulls/0/reviews/0` };
    default:
      throw new Error(`no probe for scope ${scope}`);
  }
}

function messageOf(answer: { json: unknown; text: string }): string {
  const message =
    typeof answer.json === 'object' && answer.json !== null
      ? (answer.json as Record<string, unknown>).message
      : undefined;
  return typeof message === 'string' ? message : answer.text.slice(0, 200);
}

function name(value: string): string {
  if (!NAME.test(value)) throw new Error(`${JSON.stringify(value)} is not a valid forge login`);
  return encodeURIComponent(value);
}

function rulePath(repo: string, branch: string): string {
  return `${repoPath(repo)}/branch_protections/${encodeURIComponent(branch)}`;
}

function hooksPath(owner: HookOwner): string {
  return 'org' in owner ? `/orgs/${name(owner.org)}/hooks` : `${repoPath(owner.repo)}/hooks`;
}

function repoPath(repo: string): string {
  const [owner, repoName, ...rest] = repo.split('/');
  if (owner === undefined || repoName === undefined || rest.length > 0 || !NAME.test(owner) || !NAME.test(repoName))
    throw new Error(`${JSON.stringify(repo)} is not owner/name`);
  return `/repos/${owner}/${repoName}`;
}

/**
 * Branch protection rules over REST, as Gitea's `routers/api/v1/repo/branch.go` keeps them: only
 * a repository admin lists, reads, creates (201; 403 when the rule exists) or edits (200, only
 * the fields sent; 404 for no such rule) them. `enable_push_whitelist` counts only with
 * `enable_push`, and turning pushes off turns the allowlist off. Allowlists keep, of the logins
 * sent, the users with write on the repository (read for approvals) — the rest are dropped
 * without a word, as `UpdateProtectBranch` does — and a login that names nobody is a 422.
 * Required status checks (`enable_status_check`, `status_check_contexts`) are kept as sent; the
 * merge route enforces them and the approvals (`merge-operations.ts`).
 */
import { adminRepoFor, ForgeRefusal, type OperationContext } from './operation-context.js';
import type { Json } from './render.js';
import { ok, route, stringField, arrayField, type Route } from './rest-router.js';
import { canWrite, type ProtectionRecord, type RepoRecord } from './state.js';

const repoName = (params: Readonly<Record<string, string>>): string => `${params.owner ?? ''}/${params.repo ?? ''}`;

export function protectionRoutes(ctx: OperationContext): Route[] {
  const { state } = ctx;
  const ruleOf = (repo: RepoRecord, name: string): ProtectionRecord => {
    const rule = state.protections.find((p) => p.repo === repo.fullName && p.branch === name);
    if (rule === undefined) throw new ForgeRefusal('not-found', `branch protection ${name} not found`);
    return rule;
  };

  /** The logins of `field` that Gitea keeps in an allowlist; undefined when the field was not sent. */
  function allowlist(repo: RepoRecord, body: unknown, field: string, need: 'read' | 'write'): string[] | undefined {
    const names = arrayField(body, field);
    if (names === undefined) return undefined;
    const kept: string[] = [];
    for (const name of names.filter((n): n is string => typeof n === 'string')) {
      const user = state.user(name);
      if (user === undefined) throw new ForgeRefusal('invalid', `User does not exist [name: ${name}]`);
      const permission = state.permission(repo, user.login);
      if (need === 'write' ? canWrite(permission) : permission !== 'none') kept.push(user.login);
    }
    return kept;
  }

  function edit(repo: RepoRecord, rule: ProtectionRecord, body: unknown): void {
    const flag = (name: string): boolean | undefined => {
      const value = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
      return typeof value === 'boolean' ? value : undefined;
    };
    const enablePush = flag('enable_push');
    if (enablePush === false) Object.assign(rule, { enablePush: false, enablePushWhitelist: false });
    if (enablePush === true) {
      rule.enablePush = true;
      const whitelist = flag('enable_push_whitelist');
      if (whitelist !== undefined) rule.enablePushWhitelist = whitelist;
    }
    const approvals = numberOf(body, 'required_approvals');
    if (approvals !== undefined && approvals >= 0) rule.requiredApprovals = approvals;
    rule.dismissStaleApprovals = flag('dismiss_stale_approvals') ?? rule.dismissStaleApprovals;
    rule.enableApprovalsWhitelist = flag('enable_approvals_whitelist') ?? rule.enableApprovalsWhitelist;
    rule.enableMergeWhitelist = flag('enable_merge_whitelist') ?? rule.enableMergeWhitelist;
    rule.pushWhitelist = allowlist(repo, body, 'push_whitelist_usernames', 'write') ?? rule.pushWhitelist;
    rule.mergeWhitelist = allowlist(repo, body, 'merge_whitelist_usernames', 'write') ?? rule.mergeWhitelist;
    rule.approvalsWhitelist = allowlist(repo, body, 'approvals_whitelist_username', 'read') ?? rule.approvalsWhitelist;
    rule.enableStatusCheck = flag('enable_status_check') ?? rule.enableStatusCheck;
    const contexts = arrayField(body, 'status_check_contexts');
    if (contexts !== undefined) rule.statusCheckContexts = contexts.filter((c): c is string => typeof c === 'string');
    rule.updatedAt = state.now();
  }

  return [
    route('GET', '/repos/{owner}/{repo}/branch_protections', (req, params) => {
      const repo = adminRepoFor(ctx, req.user.login, repoName(params));
      return ok(state.protections.filter((p) => p.repo === repo.fullName).map(apiProtection));
    }),
    route('GET', '/repos/{owner}/{repo}/branch_protections/{name}', (req, params) => {
      const repo = adminRepoFor(ctx, req.user.login, repoName(params));
      return ok(apiProtection(ruleOf(repo, params.name ?? '')));
    }),
    route('POST', '/repos/{owner}/{repo}/branch_protections', (req, params) => {
      const repo = adminRepoFor(ctx, req.user.login, repoName(params));
      const branch = stringField(req.body, 'rule_name') ?? stringField(req.body, 'branch_name') ?? '';
      if (branch === '') throw new ForgeRefusal('invalid', 'rule_name is required');
      if (state.protections.some((p) => p.repo === repo.fullName && p.branch === branch))
        throw new ForgeRefusal('forbidden', `branch protection for ${branch} already exists`);
      const now = state.now();
      const rule: ProtectionRecord = {
        repo: repo.fullName,
        branch,
        enablePush: false,
        enablePushWhitelist: false,
        pushWhitelist: [],
        requiredApprovals: 0,
        dismissStaleApprovals: false,
        enableApprovalsWhitelist: false,
        approvalsWhitelist: [],
        enableMergeWhitelist: false,
        mergeWhitelist: [],
        enableStatusCheck: false,
        statusCheckContexts: [],
        createdAt: now,
        updatedAt: now,
      };
      // Creating is editing a rule with every setting off: the same reading of each field.
      edit(repo, rule, req.body);
      state.protections.push(rule);
      return ok(apiProtection(rule), 201);
    }),
    route('PATCH', '/repos/{owner}/{repo}/branch_protections/{name}', (req, params) => {
      const repo = adminRepoFor(ctx, req.user.login, repoName(params));
      const rule = ruleOf(repo, params.name ?? '');
      edit(repo, rule, req.body);
      return ok(apiProtection(rule));
    }),
  ];
}

function numberOf(body: unknown, name: string): number | undefined {
  const value = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
  return typeof value === 'number' ? value : undefined;
}

/** Gitea's `BranchProtection`, with what the double does not model (teams, deploy keys, force pushes) off. */
function apiProtection(rule: ProtectionRecord): Json {
  return {
    branch_name: rule.branch,
    rule_name: rule.branch,
    priority: 0,
    enable_push: rule.enablePush,
    enable_push_whitelist: rule.enablePushWhitelist,
    push_whitelist_usernames: [...rule.pushWhitelist],
    push_whitelist_teams: [],
    push_whitelist_deploy_keys: false,
    enable_force_push: false,
    enable_force_push_allowlist: false,
    force_push_allowlist_usernames: [],
    force_push_allowlist_teams: [],
    force_push_allowlist_deploy_keys: false,
    enable_merge_whitelist: rule.enableMergeWhitelist,
    merge_whitelist_usernames: [...rule.mergeWhitelist],
    merge_whitelist_teams: [],
    enable_status_check: rule.enableStatusCheck,
    status_check_contexts: [...rule.statusCheckContexts],
    required_approvals: rule.requiredApprovals,
    enable_approvals_whitelist: rule.enableApprovalsWhitelist,
    approvals_whitelist_username: [...rule.approvalsWhitelist],
    approvals_whitelist_teams: [],
    block_on_rejected_reviews: false,
    block_on_official_review_requests: false,
    block_on_outdated_branch: false,
    dismiss_stale_approvals: rule.dismissStaleApprovals,
    ignore_stale_approvals: false,
    require_signed_commits: false,
    protected_file_patterns: '',
    unprotected_file_patterns: '',
    block_admin_merge_override: false,
    created_at: rule.createdAt,
    updated_at: rule.updatedAt,
  };
}

/**
 * What onboarding (`claude-hooks init`, `claude-hooks doctor`) needs from the forge, owned here and
 * implemented over Gitea's REST API by `forge/rest/gitea-onboarding-client.ts`. One instance acts
 * with one credential (the forge admin token for init, an agent's token for doctor); creating a
 * user's token is the exception: Gitea takes it only with Basic auth as that user.
 */
export type RepoAccess = 'owner' | 'admin' | 'write' | 'read' | 'none';

export interface ForgeAccount {
  readonly login: string;
  readonly fullName: string;
  readonly email: string;
}

export interface HookSpec {
  readonly url: string;
  readonly secret: string;
  readonly events: readonly string[];
}

/** Where a webhook lives: on one repository, or on an organisation (delivering for all its repositories). */
export type HookOwner = { readonly repo: string } | { readonly org: string };

export const describeHookOwner = (owner: HookOwner): string =>
  'org' in owner ? `organisation ${owner.org}` : owner.repo;

export interface ForgeHook {
  readonly id: number;
  readonly url: string;
  /** `json` or `form`, as the hook's `config.content_type`. */
  readonly contentType: string;
  readonly events: readonly string[];
  readonly active: boolean;
}

/**
 * A branch protection rule, as far as init and doctor judge it (Gitea's `BranchProtection`). An
 * allowlist is `null` when the rule has none (every writer may), else the logins it names.
 */
export interface BranchRule {
  /** Whether anyone may push to the branch at all (`enable_push`). */
  readonly enablePush: boolean;
  /** With `enablePush`, who may (`push_whitelist_usernames` when `enable_push_whitelist`). */
  readonly pushAllowlist: readonly string[] | null;
  readonly requiredApprovals: number;
  /** Whether a new commit dismisses the approvals given before it. */
  readonly dismissStaleApprovals: boolean;
  /** Whose approvals count (`approvals_whitelist_username` when `enable_approvals_whitelist`). */
  readonly approvalsAllowlist: readonly string[] | null;
  /** Who may merge (`merge_whitelist_usernames` when `enable_merge_whitelist`). */
  readonly mergeAllowlist: readonly string[] | null;
}

/** The fields of a rule to change; a field left out stays as it is. */
export type BranchRuleChange = Partial<BranchRule>;

/** The answer of `GET /user`: whose token it is, or why the forge refused it. */
export type TokenOwner =
  | { readonly ok: true; readonly login: string }
  | { readonly ok: false; readonly status: number; readonly message: string };

export interface OnboardingForge {
  whoAmI(): Promise<TokenOwner>;
  user(login: string): Promise<ForgeAccount | undefined>;
  createUser(account: ForgeAccount & { readonly password: string }): Promise<void>;
  setPassword(login: string, password: string): Promise<void>;
  /** Basic auth as `login` with `password`; answers the token's value. */
  createToken(login: string, password: string, name: string, scopes: readonly string[]): Promise<string>;
  /** Whether this credential holds `scope` (`write:issue`), asked without changing anything on `repo`. */
  hasScope(scope: string, repo: string): Promise<boolean>;
  /** `login`'s permission on `repo`; a forge refusal (403: this credential may not ask about others) is a `ForgeApiError`. */
  access(repo: string, login: string): Promise<RepoAccess>;
  /** Whether `login` is a collaborator of `repo` in its own right (not only a reader of a public repository). */
  isCollaborator(repo: string, login: string): Promise<boolean>;
  /** Adds `login` as a collaborator with `level`, or changes its level (also lowering it). */
  grant(repo: string, login: string, level: 'admin' | 'write' | 'read'): Promise<void>;
  labels(repo: string): Promise<string[]>;
  createLabel(repo: string, name: string, color: string): Promise<void>;
  /** The hooks of a repository or an organisation; none when the organisation does not exist. */
  hooks(owner: HookOwner): Promise<ForgeHook[]>;
  createHook(owner: HookOwner, spec: HookSpec): Promise<void>;
  /** Sets url, content type (json), secret, events and active on an existing hook. */
  repairHook(owner: HookOwner, id: number, spec: HookSpec): Promise<void>;
  /** The `owner/name` of every repository of an organisation; undefined when there is no such organisation. */
  orgRepos(org: string): Promise<string[] | undefined>;
  /** `POST /repos/{o}/{r}/hooks/{id}/tests`: the forge sends a push delivery through a repository hook (organisation hooks have no such call). */
  testHook(repo: string, id: number): Promise<void>;
  defaultBranch(repo: string): Promise<string>;
  protectedBranches(repo: string): Promise<string[]>;
  /** The protection rule named after `branch`; undefined when there is none. */
  branchRule(repo: string, branch: string): Promise<BranchRule | undefined>;
  /** Creates the protection rule named after `branch`. */
  protectBranch(repo: string, branch: string, rule: BranchRule): Promise<void>;
  /** Changes the given fields of the rule named after `branch`. */
  editBranchRule(repo: string, branch: string, change: BranchRuleChange): Promise<void>;
}

/** A delivery the running service recorded (`GET /api/deliveries`). */
export interface RecordedDelivery {
  readonly eventType: string;
  /** Milliseconds since the epoch. */
  readonly receivedAt: number;
}

/** The running service, as doctor sees it from where it runs. */
export interface ServiceProbe {
  /** `GET /healthz` answered 200. */
  reachable(): Promise<boolean>;
  /** The latest recorded deliveries (needs the service's admin token). */
  deliveries(): Promise<RecordedDelivery[]>;
  /** How many deliveries the service refused for a bad signature since it started (`/metrics`). */
  signatureRejections(): Promise<number>;
}

/**
 * Whether agent runs can be sandboxed on this machine — the answer of `probeSandbox()`
 * (`sandbox/probe.ts`), which doctor is given rather than imports, so that its checks run anywhere.
 */
export type SandboxProbe =
  | { readonly ok: true; readonly detail: string }
  | { readonly ok: false; readonly problem: string; readonly fix: string };

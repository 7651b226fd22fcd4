/**
 * The plan of `claude-hooks init`: the bot users, the service user and their tokens, the secret
 * files and the config, then per repository each one's access (exactly what its role needs; the
 * service user admin), the trigger labels, the webhook and the default branch's protection. Every
 * step checks first, so a second run changes nothing that is right and repairs what drifted —
 * including an installation made by an earlier init that gave boss admin and every token write.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { accessSuffices, type AgentTemplate } from './agent-templates.js';
import { judgeRule, PROTECTED_RULE } from './branch-rule.js';
import {
  agentAccount,
  serviceAccount,
  tokenStep,
  userStep,
  type AccountDeps,
  type BotAccount,
} from './init-accounts.js';
import {
  addServiceTokenToConfig,
  adminTokenFileOf,
  configHasServiceToken,
  generateSecret,
  isPrivate,
  readSecretFile,
  relativeToConfig,
  renderConfig,
  serviceTokenFileOf,
  webhookSecretFileOf,
  writeSecretFile,
  type InitLayout,
} from './init-files.js';
import type { Step } from './plan.js';
import { hookStep } from './init-hook.js';
import type { HookOwner, OnboardingForge, RepoAccess } from './ports.js';

export interface InitOptions {
  readonly forgeUrl: string;
  readonly forgeKind: 'forgejo' | 'gitea';
  /** Where the forge reaches the service; the webhook goes to `<publicUrl>/webhook`. */
  readonly publicUrl: string;
  /** Every repository: those named, and those of the organisations (`resolveRepositories`). */
  readonly repositories: readonly string[];
  /** Organisations get one organisation webhook instead of one per repository. */
  readonly orgs: readonly string[];
  readonly agents: readonly AgentTemplate[];
  readonly layout: InitLayout;
  readonly protectBranches: boolean;
  /**
   * The operator lets agents merge among themselves (`--allow-bot-merge`): the reviewer gets
   * write, so its approval counts, and the protection leaves allowlists as they are. Off unless
   * asked for.
   */
  readonly allowBotMerge?: boolean;
}

export interface InitDeps {
  /** The forge as the admin token's user. */
  readonly admin: OnboardingForge;
  /** The forge as another token (an agent's, to check it). */
  forgeAs(token: string): OnboardingForge;
}

const LABEL_COLOURS: Record<string, string> = { boss: '5319e7', dev: '207de5', reviewer: '009800' };

export function initSteps(options: InitOptions, deps: InitDeps): Step[] {
  const { admin } = deps;
  const { layout } = options;
  const allowBotMerge = options.allowBotMerge === true;
  let secretReplaced = false;
  const hookUrl = `${options.publicUrl.replace(/\/+$/, '')}/webhook`;
  const emailHost = new URL(options.forgeUrl).hostname;
  const agents = options.agents.map((agent) => ({
    agent,
    account: agentAccount(agent, { layout, emailHost, allowBotMerge }),
  }));
  const service = serviceAccount({ layout, emailHost });
  const accounts = [...agents.map(({ account }) => account), service];
  const accountDeps: AccountDeps = {
    admin,
    forgeAs: deps.forgeAs,
    probeRepo: options.repositories[0] ?? '',
    passwords: new Map(),
  };
  const bots = agents.map(({ account }) => account.login);

  const secretFileStep = (title: string, file: string, onReplace?: () => void): Step => ({
    title,
    async check() {
      if ((await readSecretFile(file)) === undefined) return { ok: false, needs: `generate it into ${file}` };
      if (!(await isPrivate(file))) return { ok: false, needs: `make ${file} readable by its owner only` };
      return { ok: true, note: file };
    },
    async change() {
      if ((await readSecretFile(file)) !== undefined) {
        await writeSecretFile(file, (await readSecretFile(file)) ?? '');
        return `made ${file} mode 0600`;
      }
      await writeSecretFile(file, generateSecret());
      onReplace?.();
      return `generated into ${file} (0600)`;
    },
  });

  const configStep: Step = {
    title: `config ${layout.configPath}`,
    async check() {
      if (!existsSync(layout.configPath)) return { ok: false, needs: `write ${layout.configPath}` };
      if (!(await configHasServiceToken(layout.configPath)))
        return {
          ok: false,
          needs: `add forge.serviceToken: { file: ${relativeToConfig(layout, serviceTokenFileOf(layout))} } to ${layout.configPath} (the rest is left as is)`,
        };
      return { ok: true, note: 'exists; left as is (init writes it only when there is none)' };
    },
    async change() {
      if (existsSync(layout.configPath)) {
        await addServiceTokenToConfig(layout);
        return `added forge.serviceToken to ${layout.configPath}; the rest is as it was`;
      }
      const rendered = agents.map(({ agent, account }) => ({ ...agent, login: account.login, email: account.email }));
      await writeFile(
        layout.configPath,
        renderConfig(layout, {
          forgeUrl: options.forgeUrl,
          forgeKind: options.forgeKind,
          publicUrl: options.publicUrl,
          repositories: options.repositories,
          agents: rendered,
        }),
        { mode: 0o644 },
      );
      return `wrote ${layout.configPath}`;
    },
  };

  /** Exactly the access the agent's role needs: more is lowered (an earlier init gave boss admin), less is raised. */
  const agentAccessStep = (repo: string, account: BotAccount): Step => {
    const needed = account.needs.access;
    const notOwner = (access: RepoAccess): void => {
      if (access === 'owner')
        throw new Error(
          `${account.login} is a site administrator or owns ${repo}, which init cannot lower: make it an ordinary user (Site administration → User accounts), then run init again`,
        );
    };
    return {
      title: `${account.login} on ${repo}`,
      async check() {
        const access = await admin.access(repo, account.login);
        if (access === 'owner')
          return {
            ok: false,
            needs: `lower ${account.login} to ${needed}: it is a site administrator or owns ${repo}`,
          };
        if (access !== needed)
          return {
            ok: false,
            needs: `${accessSuffices(access, needed) ? `lower ${account.login} to` : `give ${account.login}`} ${needed} (has ${access})`,
          };
        // Everyone reads a public repository; the reviewer is made a collaborator all the same, so that it still may if the repository goes private.
        if (!(await admin.isCollaborator(repo, account.login)))
          return { ok: false, needs: `make ${account.login} a collaborator with ${needed}` };
        return { ok: true, note: access };
      },
      async change() {
        const access = await admin.access(repo, account.login);
        notOwner(access);
        await admin.grant(repo, account.login, needed);
        if (access === needed) return `made ${account.login} a collaborator with ${needed}`;
        if (accessSuffices(access, needed)) return `lowered ${account.login} to ${needed} (had ${access})`;
        return `gave ${account.login} ${needed}${access === 'none' ? '' : ` (had ${access})`}`;
      },
    };
  };

  const serviceAccessStep = (repo: string): Step => ({
    title: `${service.login} on ${repo}`,
    async check() {
      const access = await admin.access(repo, service.login);
      return accessSuffices(access, 'admin')
        ? { ok: true, note: `${access}: reads who may trigger agents` }
        : {
            ok: false,
            needs: `give ${service.login} admin (has ${access}), so that it may read collaborators' permissions`,
          };
    },
    async change() {
      await admin.grant(repo, service.login, 'admin');
      return `gave ${service.login} admin`;
    },
  });

  const labelStep = (repo: string, agent: AgentTemplate): Step => ({
    title: `label ${agent.label} on ${repo}`,
    async check() {
      return (await admin.labels(repo)).includes(agent.label)
        ? { ok: true }
        : { ok: false, needs: `create label ${agent.label}` };
    },
    async change() {
      await admin.createLabel(repo, agent.label, LABEL_COLOURS[agent.name] ?? 'e11d21');
      return `created label ${agent.label}`;
    },
  });

  const protectionStep = (repo: string): Step => ({
    title: `default branch of ${repo} protected`,
    async check() {
      const branch = await admin.defaultBranch(repo);
      const rule = await admin.branchRule(repo, branch);
      if (rule === undefined) return { ok: false, needs: `protect ${branch}: ${describeProtection(allowBotMerge)}` };
      const { problems } = judgeRule(rule, { bots, allowBotMerge });
      if (problems.length > 0) return { ok: false, needs: `repair the rule of ${branch}: ${problems.join('; ')}` };
      return {
        ok: true,
        note: `${branch}: no agent pushes, ${rule.requiredApprovals} approval(s) to merge${allowBotMerge ? ' (agents may give it: --allow-bot-merge)' : ", a person's"}`,
      };
    },
    async change() {
      const branch = await admin.defaultBranch(repo);
      const rule = await admin.branchRule(repo, branch);
      if (rule === undefined) {
        await admin.protectBranch(repo, branch, PROTECTED_RULE);
        return `protected ${branch}: ${describeProtection(allowBotMerge)}`;
      }
      const { problems, change } = judgeRule(rule, { bots, allowBotMerge });
      await admin.editBranchRule(repo, branch, change);
      return `repaired the rule of ${branch}: ${problems.join('; ')}`;
    },
  });

  const webhookStep = (owner: HookOwner): Step =>
    hookStep(owner, {
      admin,
      hookUrl,
      forgeKind: options.forgeKind,
      layout,
      secretReplaced: () => secretReplaced,
    });

  const inOrg = (repo: string): boolean =>
    options.orgs.some((org) => repo.toLowerCase().startsWith(`${org.toLowerCase()}/`));
  return [
    ...accounts.map((account) => userStep(account, accountDeps)),
    ...accounts.map((account) => tokenStep(account, accountDeps)),
    secretFileStep('webhook secret', webhookSecretFileOf(layout), () => (secretReplaced = true)),
    secretFileStep('service admin token', adminTokenFileOf(layout)),
    configStep,
    ...options.repositories.flatMap((repo) => [
      ...agents.map(({ account }) => agentAccessStep(repo, account)),
      serviceAccessStep(repo),
      ...options.agents.map((agent) => labelStep(repo, agent)),
      ...(inOrg(repo) ? [] : [webhookStep({ repo })]),
      ...(options.protectBranches ? [protectionStep(repo)] : []),
    ]),
    ...options.orgs.map((org) => webhookStep({ org })),
  ];
}

function describeProtection(allowBotMerge: boolean): string {
  return allowBotMerge
    ? 'no direct pushes, 1 approval to merge (agents may approve and merge: --allow-bot-merge)'
    : "no direct pushes, 1 approval to merge, stale approvals dismissed, no agent on an allowlist: every merge needs a person's approval";
}

/** The repositories named with `--repo` and every repository of each `--org`, once each. */
export async function resolveRepositories(
  admin: OnboardingForge,
  orgs: readonly string[],
  repos: readonly string[],
): Promise<{ ok: true; repositories: string[] } | { ok: false; message: string }> {
  const all = new Map(repos.map((repo) => [repo.toLowerCase(), repo]));
  for (const org of orgs) {
    const found = await admin.orgRepos(org);
    if (found === undefined)
      return {
        ok: false,
        message: `organisation ${org} not found on the forge (check --org, or name repositories with --repo)`,
      };
    for (const repo of found) if (!all.has(repo.toLowerCase())) all.set(repo.toLowerCase(), repo);
  }
  if (all.size === 0)
    return {
      ok: false,
      message: `no repository to set up: ${orgs.join(', ')} has none yet; create one, or name it with --repo`,
    };
  return { ok: true, repositories: [...all.values()] };
}

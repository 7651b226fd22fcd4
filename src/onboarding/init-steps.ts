/**
 * The plan of `claude-hooks init`: bot users and their tokens, the secret files and the config,
 * then per repository each agent's access, the trigger labels, the webhook and the default branch's
 * protection. Every step checks first, so a second run changes nothing that is right and repairs
 * what drifted.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { accessSuffices, HOOK_EVENTS, missingHookEvents, TOKEN_SCOPES, type AgentTemplate } from './agent-templates.js';
import { adminTokenFileOf, generateSecret, isPrivate, readSecretFile, renderConfig, tokenFileOf, webhookSecretFileOf, writeSecretFile, type InitLayout } from './init-files.js';
import type { Step } from './plan.js';
import { describeHookOwner, type ForgeHook, type HookOwner, type OnboardingForge } from './ports.js';

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
}

export interface InitDeps {
  /** The forge as the admin token's user. */
  readonly admin: OnboardingForge;
  /** The forge as another token (an agent's, to check it). */
  forgeAs(token: string): OnboardingForge;
}

const LABEL_COLOURS: Record<string, string> = { boss: '5319e7', dev: '207de5', reviewer: '009800' };

export function initSteps(options: InitOptions, deps: InitDeps): Step[] {
  const { admin, forgeAs } = deps;
  const { layout } = options;
  /** One-time passwords of users made (or reset) in this run, for their token. */
  const passwords = new Map<string, string>();
  let secretReplaced = false;
  const hookUrl = `${options.publicUrl.replace(/\/+$/, '')}/webhook`;
  const emailHost = new URL(options.forgeUrl).hostname;
  const account = (agent: AgentTemplate) => ({ login: agent.name, fullName: agent.fullName, email: `${agent.name}@noreply.${emailHost}` });
  const firstRepo = options.repositories[0] ?? '';

  const userStep = (agent: AgentTemplate): Step => ({
    title: `user ${agent.name}`,
    async check() {
      const found = await admin.user(agent.name);
      return found === undefined ? { ok: false, needs: `create forge user ${agent.name} (${agent.fullName}, ${account(agent).email})` } : { ok: true, note: `exists (${found.fullName || 'no full name'}); adopted` };
    },
    async change() {
      const password = generateSecret();
      await admin.createUser({ ...account(agent), password });
      passwords.set(agent.name, password);
      return `created forge user ${agent.name} (${agent.fullName}, ${account(agent).email})`;
    },
  });

  const tokenStep = (agent: AgentTemplate): Step => {
    const file = tokenFileOf(layout, agent.name);
    return {
      title: `token of ${agent.name}`,
      async check() {
        const token = await readSecretFile(file);
        if (token === undefined) return { ok: false, needs: `create a token with ${TOKEN_SCOPES.join(', ')} and save it to ${file}` };
        const forge = forgeAs(token);
        const owner = await forge.whoAmI();
        if (!owner.ok) return { ok: false, needs: `replace the token in ${file}: the forge refused it (${owner.status})` };
        if (owner.login.toLowerCase() !== agent.name.toLowerCase()) return { ok: false, needs: `replace the token in ${file}: it belongs to ${owner.login}` };
        for (const scope of TOKEN_SCOPES) {
          if (!(await forge.hasScope(scope, firstRepo))) return { ok: false, needs: `replace the token in ${file}: it lacks ${scope}` };
        }
        if (!(await isPrivate(file))) return { ok: false, needs: `make ${file} readable by its owner only` };
        return { ok: true, note: `valid, ${TOKEN_SCOPES.join(', ')}, in ${file}` };
      },
      async change() {
        let password = passwords.get(agent.name);
        const reset = password === undefined;
        if (password === undefined) {
          // An adopted user's password is unknown; Gitea makes tokens only with it (docs/decisions.md).
          password = generateSecret();
          await admin.setPassword(agent.name, password);
        }
        const token = await admin.createToken(agent.name, password, `claude-hooks-${Date.now()}`, TOKEN_SCOPES);
        await writeSecretFile(file, token);
        return `created a token with ${TOKEN_SCOPES.join(', ')}${reset ? ' (after setting a one-time password)' : ''}, saved to ${file} (0600)`;
      },
    };
  };

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
      return existsSync(layout.configPath) ? { ok: true, note: 'exists; left as is (init writes it only when there is none)' } : { ok: false, needs: `write ${layout.configPath}` };
    },
    async change() {
      const agents = options.agents.map((agent) => ({ ...agent, ...account(agent) }));
      await writeFile(layout.configPath, renderConfig(layout, { forgeUrl: options.forgeUrl, forgeKind: options.forgeKind, publicUrl: options.publicUrl, repositories: options.repositories, agents }), { mode: 0o644 });
      return `wrote ${layout.configPath}`;
    },
  };

  const accessStep = (repo: string, agent: AgentTemplate): Step => ({
    title: `${agent.name} on ${repo}`,
    async check() {
      const access = await admin.access(repo, agent.name);
      return accessSuffices(access, agent.access) ? { ok: true, note: access } : { ok: false, needs: `give ${agent.name} ${agent.access} (has ${access})` };
    },
    async change() {
      await admin.grant(repo, agent.name, agent.access);
      return `gave ${agent.name} ${agent.access}`;
    },
  });

  const labelStep = (repo: string, agent: AgentTemplate): Step => ({
    title: `label ${agent.label} on ${repo}`,
    async check() {
      return (await admin.labels(repo)).includes(agent.label) ? { ok: true } : { ok: false, needs: `create label ${agent.label}` };
    },
    async change() {
      await admin.createLabel(repo, agent.label, LABEL_COLOURS[agent.name] ?? 'e11d21');
      return `created label ${agent.label}`;
    },
  });

  const hookStep = (owner: HookOwner): Step => {
    let found: ForgeHook | undefined;
    return {
      title: `webhook on ${describeHookOwner(owner)}`,
      async check() {
        const hooks = await admin.hooks(owner);
        // Ours points at the URL, or (moved service) at some other `/webhook`.
        found = hooks.find((hook) => hook.url === hookUrl) ?? hooks.find((hook) => /\/webhook\/?$/.test(hook.url));
        if (found === undefined) return { ok: false, needs: `create a webhook to ${hookUrl} (application/json, the secret, ${HOOK_EVENTS.length} events, active)` };
        const drift = hookDrift(found, hookUrl);
        if (secretReplaced) drift.push('a new secret');
        return drift.length === 0 ? { ok: true, note: `${hookUrl}, ${HOOK_EVENTS.length} events, active` } : { ok: false, needs: `repair webhook ${found.id}: ${drift.join('; ')}` };
      },
      async change() {
        const secret = await readSecretFile(webhookSecretFileOf(layout));
        if (secret === undefined) throw new Error(`no webhook secret in ${webhookSecretFileOf(layout)}`);
        const spec = { url: hookUrl, secret, events: HOOK_EVENTS };
        if (found === undefined) {
          await admin.createHook(owner, spec);
          return `created a webhook to ${hookUrl}`;
        }
        const drift = hookDrift(found, hookUrl);
        await admin.repairHook(owner, found.id, spec);
        return `repaired webhook ${found.id}: ${[...drift, ...(secretReplaced ? ['a new secret'] : [])].join('; ')}`;
      },
    };
  };

  const protectionStep = (repo: string): Step => ({
    title: `default branch of ${repo} protected`,
    async check() {
      const branch = await admin.defaultBranch(repo);
      return (await admin.protectedBranches(repo)).includes(branch) ? { ok: true, note: branch } : { ok: false, needs: `protect ${branch} (no direct pushes; changes through pull requests)` };
    },
    async change() {
      const branch = await admin.defaultBranch(repo);
      await admin.protectBranch(repo, branch);
      return `protected ${branch}: no direct pushes`;
    },
  });

  const inOrg = (repo: string): boolean => options.orgs.some((org) => repo.toLowerCase().startsWith(`${org.toLowerCase()}/`));
  return [
    ...options.agents.map(userStep),
    ...options.agents.map(tokenStep),
    secretFileStep('webhook secret', webhookSecretFileOf(layout), () => (secretReplaced = true)),
    secretFileStep('service admin token', adminTokenFileOf(layout)),
    configStep,
    ...options.repositories.flatMap((repo) => [
      ...options.agents.map((agent) => accessStep(repo, agent)),
      ...options.agents.map((agent) => labelStep(repo, agent)),
      ...(inOrg(repo) ? [] : [hookStep({ repo })]),
      ...(options.protectBranches ? [protectionStep(repo)] : []),
    ]),
    ...options.orgs.map((org) => hookStep({ org })),
  ];
}

/** What is wrong with our hook, in words; empty when nothing. */
export function hookDrift(hook: ForgeHook, url: string): string[] {
  const drift: string[] = [];
  if (hook.url !== url) drift.push(`URL ${hook.url} instead of ${url}`);
  if (hook.contentType !== 'json') drift.push(`content type ${hook.contentType} instead of json`);
  const missing = missingHookEvents(hook.events);
  if (missing.length > 0) drift.push(`missing events ${missing.join(', ')}`);
  if (!hook.active) drift.push('inactive');
  return drift;
}

/** The repositories named with `--repo` and every repository of each `--org`, once each. */
export async function resolveRepositories(admin: OnboardingForge, orgs: readonly string[], repos: readonly string[]): Promise<{ ok: true; repositories: string[] } | { ok: false; message: string }> {
  const all = new Map(repos.map((repo) => [repo.toLowerCase(), repo]));
  for (const org of orgs) {
    const found = await admin.orgRepos(org);
    if (found === undefined) return { ok: false, message: `organisation ${org} not found on the forge (check --org, or name repositories with --repo)` };
    for (const repo of found) if (!all.has(repo.toLowerCase())) all.set(repo.toLowerCase(), repo);
  }
  if (all.size === 0) return { ok: false, message: `no repository to set up: ${orgs.join(', ')} has none yet; create one, or name it with --repo` };
  return { ok: true, repositories: [...all.values()] };
}

/**
 * `claude-hooks init`: sets up the forge side (bot users, tokens, access, labels, the webhook,
 * branch protection) and writes the secret files and `claude-hooks.yaml`, printing each step as it
 * goes. The forge admin token comes from `CLAUDE_HOOKS_FORGE_ADMIN_TOKEN` only, is used for this
 * command only and is written nowhere.
 */
import { resolve } from 'node:path';
import { createOnboardingClient } from '../onboarding/gitea-onboarding-client.js';
import { AGENT_TEMPLATES, templateOf, type AgentTemplate } from '../onboarding/agent-templates.js';
import { initSteps, resolveRepositories, type InitOptions } from '../onboarding/init-steps.js';
import { formatStep, runPlan } from '../onboarding/plan.js';
import type { CliIo, OptionValues } from './commands.js';

export const ADMIN_TOKEN_ENV = 'CLAUDE_HOOKS_FORGE_ADMIN_TOKEN';
const REPO = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;
const ORG = /^[A-Za-z0-9_.-]+$/;

export const INIT_OPTIONS = {
  forge: { type: 'string' },
  repo: { type: 'string', multiple: true },
  org: { type: 'string', multiple: true },
  'public-url': { type: 'string' },
  agents: { type: 'string' },
  kind: { type: 'string' },
  'data-dir': { type: 'string' },
  'dry-run': { type: 'boolean' },
  'no-branch-protection': { type: 'boolean' },
  'allow-bot-merge': { type: 'boolean' },
} as const;

export const INIT_HELP = `Sets up the forge for claude-hooks, step by step, and says what each step did. Safe to run again:
what is right is left alone, what drifted is repaired, a run stopped by an error is finished.
Needs a forge admin token in ${ADMIN_TOKEN_ENV} (used for this command only, written nowhere).

  --forge URL              the forge's web URL (required)
  --org ORG                every repository of an organisation, with one organisation webhook (repeatable)
  --repo OWNER/NAME        a repository the agents work on, with its own webhook (repeatable)
  --public-url URL         where the forge reaches the service (required); the webhook goes to URL/webhook
  --agents LIST            agents to set up, comma-separated (default: boss,dev,reviewer)
  --kind forgejo|gitea     the forge (default: forgejo)
  --data-dir DIR           where the secret files go (default: ./data)
  --config PATH            where to write the configuration (default: ./claude-hooks.yaml; an existing file is left as is)
  --no-branch-protection   do not protect the default branches
  --allow-bot-merge        let agents approve and merge among themselves (the reviewer gets write);
                           by default every merge needs a person's approval
  --dry-run                print the plan and change nothing`;

export async function runInit(values: OptionValues, io: CliIo): Promise<number> {
  const parsed = parseInitOptions(values, io);
  if (typeof parsed === 'string') {
    io.stderr.write(`${parsed}\n`);
    return 2;
  }
  const adminToken = io.env[ADMIN_TOKEN_ENV];
  if (adminToken === undefined || adminToken === '') {
    io.stderr.write(
      `${ADMIN_TOKEN_ENV} is not set: create a token for a forge site administrator (Settings → Applications, scopes write:admin, write:repository, write:issue, read:user) and export it for this command\n`,
    );
    return 2;
  }
  const dryRun = values['dry-run'] === true;
  const admin = createOnboardingClient({ baseUrl: parsed.forgeUrl, token: adminToken });
  let resolved: Awaited<ReturnType<typeof resolveRepositories>>;
  try {
    resolved = await resolveRepositories(admin, parsed.orgs, parsed.repos);
  } catch (error) {
    io.stderr.write(`cannot list the organisations' repositories: ${(error as Error).message}\n`);
    return 1;
  }
  if (!resolved.ok) {
    io.stderr.write(`${resolved.message}\n`);
    return 1;
  }
  const options = { ...parsed, repositories: resolved.repositories };
  const steps = initSteps(options, {
    admin,
    forgeAs: (token) => createOnboardingClient({ baseUrl: parsed.forgeUrl, token }),
  });
  io.stdout.write(
    `claude-hooks init: ${parsed.forgeUrl}, ${[...parsed.orgs.map((org) => `organisation ${org}`), ...resolved.repositories].join(', ')}${dryRun ? ' (dry run: nothing is changed)' : ''}\n`,
  );
  const report = await runPlan(steps, { dryRun, onStep: (step) => io.stdout.write(`${formatStep(step)}\n`) });
  const count = (outcome: string) => report.steps.filter((step) => step.outcome === outcome).length;
  if (!report.ok) {
    const failed = report.steps.find((step) => step.outcome === 'failed');
    io.stderr.write(
      `init stopped at "${failed?.title}": ${failed?.detail}\n${count('changed')} step(s) were done, ${count('not-run')} not; fix the cause and run init again to finish\n`,
    );
    return 1;
  }
  io.stdout.write(
    dryRun
      ? `dry run: ${count('would-change')} change(s) to make, ${count('ok')} already right\n`
      : `done: ${count('changed')} change(s), ${count('ok')} already right. Next: npm start, then npx claude-hooks doctor\n`,
  );
  return 0;
}

/** The init options as the command line gives them: repositories named, before the organisations' are added. */
type ParsedInit = Omit<InitOptions, 'repositories'> & { readonly repos: readonly string[] };

function parseInitOptions(values: OptionValues, io: CliIo): ParsedInit | string {
  const forgeUrl = httpUrl(values.forge, '--forge');
  if (forgeUrl.startsWith('--')) return forgeUrl;
  const publicUrl = httpUrl(values['public-url'], '--public-url');
  if (publicUrl.startsWith('--')) return publicUrl;
  const listed = (value: unknown) =>
    ((value as string[] | undefined) ?? [])
      .flatMap((item) => item.split(','))
      .map((item) => item.trim())
      .filter((item) => item !== '');
  const repos = listed(values.repo);
  const orgs = listed(values.org);
  if (repos.length === 0 && orgs.length === 0)
    return '--org ORG or --repo OWNER/NAME is required (repeat them for more)';
  const badRepo = repos.find((repo) => !REPO.test(repo));
  if (badRepo !== undefined) return `--repo ${JSON.stringify(badRepo)} is not OWNER/NAME`;
  const badOrg = orgs.find((org) => !ORG.test(org));
  if (badOrg !== undefined) return `--org ${JSON.stringify(badOrg)} is not an organisation name`;
  const names = ((values.agents as string | undefined) ?? AGENT_TEMPLATES.map((t) => t.name).join(','))
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const agents: AgentTemplate[] = [];
  for (const name of names) {
    const template = templateOf(name);
    if (template === undefined)
      return `--agents: unknown agent ${JSON.stringify(name)}; init knows ${AGENT_TEMPLATES.map((t) => t.name).join(', ')}`;
    agents.push(template);
  }
  const kind = (values.kind as string | undefined) ?? 'forgejo';
  if (kind !== 'forgejo' && kind !== 'gitea') return `--kind must be forgejo or gitea, not ${JSON.stringify(kind)}`;
  return {
    forgeUrl,
    forgeKind: kind,
    publicUrl,
    repos,
    orgs,
    agents,
    layout: {
      dataDir: resolve(io.cwd, (values['data-dir'] as string | undefined) ?? 'data'),
      configPath: resolve(io.cwd, (values.config as string | undefined) ?? 'claude-hooks.yaml'),
    },
    protectBranches: values['no-branch-protection'] !== true,
    allowBotMerge: values['allow-bot-merge'] === true,
  };
}

/** The URL without a trailing slash, or a message starting with the option's name. */
function httpUrl(value: unknown, option: string): string {
  if (typeof value !== 'string' || value === '') return `${option} URL is required`;
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      return `${option} must be an http(s) URL, not ${JSON.stringify(value)}`;
  } catch {
    return `${option} must be an http(s) URL, not ${JSON.stringify(value)}`;
  }
  return value.replace(/\/+$/, '');
}

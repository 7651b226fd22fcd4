/**
 * What `claude-hooks doctor` checks, each a ✓ or a ✗ with the exact fix: the agents' tokens (valid,
 * their login, the scopes their role needs and no broader), each agent's access on each repository
 * and that none has admin, forge.serviceToken (doctor-access.ts), the default branch's protection,
 * the webhook (exists, active, at the service, the events, json; its check events a warning only,
 * doctor-hook-checks.ts), a test delivery sent by the forge that the service records, the service
 * itself, the sandbox, free disk, git and the data dir's permissions.
 */
import { stat, statfs } from 'node:fs/promises';
import type { Role } from '../config/roles.js';
import { ForgeApiError } from '../forge/client.js';
import { formatBytes } from '../lib/format-bytes.js';
import {
  accessChecks,
  needsOfAgent,
  protectionChecks,
  serviceTokenChecks,
  type ServiceTokenInput,
} from './doctor-access.js';
import { checkEventsCheck } from './doctor-hook-checks.js';
import { sandboxCheck, type SandboxInput } from './doctor-sandbox.js';
import { missingHookEvents, type HookForgeKind } from './hook-events.js';
import { describeHookOwner, type ForgeHook, type HookOwner, type OnboardingForge, type ServiceProbe } from './ports.js';

export type FoundHook = ForgeHook & { readonly owner: HookOwner };
const mapHook = (hook: ForgeHook | undefined, owner: HookOwner): FoundHook | undefined =>
  hook === undefined ? undefined : { ...hook, owner };

export interface CheckResult {
  readonly ok: boolean;
  readonly detail: string;
  /** What to do, when not ok. */
  readonly fix?: string;
}

export interface DoctorCheck {
  readonly title: string;
  run(): Promise<CheckResult>;
}

export interface DoctorAgent {
  readonly name: string;
  readonly login: string;
  readonly token: string;
  readonly tokenRef: string;
  /** Its role (read from `agents.<name>.worktree`), which sets the access and scopes it needs; else known from init's agent of that name. */
  readonly role?: Role;
}

export interface DoctorInput {
  /** `forge.kind`: which check events the webhook should send. */
  readonly forgeKind: HookForgeKind;
  readonly agents: readonly DoctorAgent[];
  readonly repositories: readonly string[];
  /** `<publicUrl>/webhook`: where the forge must deliver. */
  readonly hookUrl: string;
  /** The local URL doctor reaches the service at. */
  readonly serviceUrl: string;
  forgeAs(token: string): OnboardingForge;
  /**
   * Who reads what only a repository admin may see (hooks, permissions, branch protection) and
   * sends the test delivery: the forge admin token when given, else forge.serviceToken, else the
   * first agent.
   */
  readonly hookReader: OnboardingForge;
  /** forge.serviceToken (`missing` when the config has none); its checks are left out when not given. */
  readonly serviceToken?: ServiceTokenInput;
  /** The sandbox check; left out when not given. */
  readonly sandbox?: SandboxInput;
  readonly service: ServiceProbe;
  readonly dataDir: string;
  readonly minFreeBytes: number;
  gitVersion(): Promise<string>;
  readonly deliveryTimeoutMs: number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => number;
  /** The model check (`--model`); absent when not asked for. */
  readonly model?: () => Promise<CheckResult>;
}

const INIT_HINT = 'or run `claude-hooks init` again, which repairs it';
/** The variable `claude-hooks init` and doctor read the forge admin's token from (`cli/init.ts`). */
const FORGE_ADMIN_TOKEN_ENV = 'CLAUDE_HOOKS_FORGE_ADMIN_TOKEN';
const pass = (detail: string): CheckResult => ({ ok: true, detail });
const failure = (detail: string, fix: string): CheckResult => ({ ok: false, detail, fix });

export function doctorChecks(input: DoctorInput): DoctorCheck[] {
  const hooksByRepo = new Map<string, FoundHook | undefined>();
  const pick = (hooks: readonly ForgeHook[]) =>
    hooks.find((hook) => hook.url === input.hookUrl) ?? hooks.find((hook) => /\/webhook\/?$/.test(hook.url));
  // The repository's own hook, else its organisation's (docs/forge-setup.md prefers the latter).
  const ourHook = async (repo: string): Promise<FoundHook | undefined> => {
    if (!hooksByRepo.has(repo)) {
      const own = pick(await input.hookReader.hooks({ repo }));
      const org = repo.split('/')[0] ?? '';
      const found =
        own !== undefined ? { ...own, owner: { repo } } : mapHook(pick(await input.hookReader.hooks({ org })), { org });
      hooksByRepo.set(repo, found);
    }
    return hooksByRepo.get(repo);
  };
  const firstRepo = input.repositories[0];

  const tokenChecks = input.agents.flatMap((agent): DoctorCheck[] => {
    const needs = needsOfAgent(agent);
    const scopes = needs.scopes.join(', ');
    return [
      {
        title: `token of ${agent.name} is valid and belongs to ${agent.login}`,
        async run() {
          const owner = await input.forgeAs(agent.token).whoAmI();
          if (!owner.ok)
            return failure(
              `the forge refused it (${owner.status}: ${owner.message})`,
              `create a token for ${agent.login} with ${scopes} and put it in ${agent.tokenRef}, ${INIT_HINT}`,
            );
          if (owner.login.toLowerCase() !== agent.login.toLowerCase())
            return failure(
              `it belongs to ${owner.login}`,
              `put ${agent.login}'s own token in ${agent.tokenRef}, ${INIT_HINT}`,
            );
          return pass(owner.login);
        },
      },
      {
        title: `token of ${agent.name} has ${scopes}${needs.tooBroad.length > 0 ? `, not ${needs.tooBroad.join(', ')}` : ''}`,
        async run() {
          if (firstRepo === undefined)
            return failure('no repository configured to ask about', 'list the repositories in forge.repositories');
          const forge = input.forgeAs(agent.token);
          const missing: string[] = [];
          for (const scope of needs.scopes) if (!(await forge.hasScope(scope, firstRepo))) missing.push(scope);
          const broad: string[] = [];
          for (const scope of needs.tooBroad) if (await forge.hasScope(scope, firstRepo)) broad.push(scope);
          if (missing.length === 0 && broad.length === 0) return pass('all scopes');
          const detail = [
            ...(missing.length > 0 ? [`missing ${missing.join(', ')}`] : []),
            ...(broad.length > 0 ? [`also holds ${broad.join(', ')}, more than ${agent.name} needs`] : []),
          ].join('; ');
          return failure(
            detail,
            `replace the token in ${agent.tokenRef} by one with ${scopes} (scopes cannot be changed on a token), ${INIT_HINT}`,
          );
        },
      },
    ];
  });

  const forgeAccessChecks = [
    ...accessChecks(input.agents, input.repositories, input.hookReader),
    ...(input.serviceToken === undefined
      ? []
      : serviceTokenChecks(input.serviceToken, input.agents, input.repositories, input.forgeAs)),
    ...protectionChecks(input.agents, input.repositories, input.hookReader),
  ];

  const hookChecks = input.repositories.flatMap((repo): DoctorCheck[] => [
    {
      title: `webhook on ${repo} exists and points at ${input.hookUrl}`,
      async run() {
        const hook = await ourHook(repo);
        if (hook === undefined)
          return failure(
            'no webhook to the service',
            `add a webhook to ${input.hookUrl} (docs/forge-setup.md, "The webhook"), ${INIT_HINT}`,
          );
        const where = `hook ${hook.id} of ${describeHookOwner(hook.owner)}`;
        return hook.url === input.hookUrl
          ? pass(where)
          : failure(`${where} points at ${hook.url}`, `set its target URL to ${input.hookUrl}, ${INIT_HINT}`);
      },
    },
    {
      title: `webhook on ${repo} is active, sends application/json and the handled events`,
      async run() {
        const hook = await ourHook(repo);
        if (hook === undefined) return failure('no webhook to the service', `add one first (see above), ${INIT_HINT}`);
        const problems: string[] = [];
        if (!hook.active) problems.push('inactive');
        if (hook.contentType !== 'json') problems.push(`content type ${hook.contentType}`);
        const missing = missingHookEvents(hook.events);
        if (missing.length > 0) problems.push(`missing events ${missing.join(', ')}`);
        if (problems.length === 0) return pass(`hook ${hook.id}`);
        const fixes = [
          ...(!hook.active ? ['tick Active'] : []),
          ...(hook.contentType !== 'json' ? ['set the POST content type to application/json'] : []),
          ...(missing.length > 0 ? [`add the events ${missing.join(', ')}`] : []),
        ];
        return failure(
          `hook ${hook.id}: ${problems.join('; ')}`,
          `in the forge's webhook settings: ${fixes.join(', ')}, ${INIT_HINT}`,
        );
      },
    },
    checkEventsCheck(repo, input.forgeKind, ourHook),
    {
      title: `a test delivery from ${repo} reaches the service and passes the signature check`,
      run: () => testDelivery(input, repo, ourHook),
    },
  ]);

  const serviceCheck: DoctorCheck = {
    title: `the service answers at ${input.serviceUrl}`,
    async run() {
      return (await input.service.reachable())
        ? pass('GET /healthz: ok')
        : failure(
            'no answer to GET /healthz',
            `start it (npm start, or the systemd unit) and check server.host/server.port`,
          );
    },
  };

  const hostChecks: DoctorCheck[] = [
    {
      title: 'free disk under the data dir',
      async run() {
        const stats = await statfs(input.dataDir);
        const free = stats.bavail * stats.bsize;
        return free >= input.minFreeBytes
          ? pass(`${formatBytes(free)} free`)
          : failure(
              `${formatBytes(free)} free, below ${formatBytes(input.minFreeBytes)}`,
              'free some space (or lower health.minFreeBytes)',
            );
      },
    },
    {
      title: 'git is installed',
      async run() {
        try {
          return pass(`git ${await input.gitVersion()}`);
        } catch (error) {
          return failure((error as Error).message, 'install git (2.30 or later) and put it on PATH');
        }
      },
    },
    {
      title: 'the data dir is private',
      async run() {
        const mode = (await stat(input.dataDir)).mode & 0o777;
        return (mode & 0o077) === 0
          ? pass(`${input.dataDir} mode 0${mode.toString(8)}`)
          : failure(
              `${input.dataDir} is mode 0${mode.toString(8)}`,
              `chmod 700 ${input.dataDir} (the service also tightens it at start)`,
            );
      },
    },
  ];

  const modelCheck: DoctorCheck[] =
    input.model === undefined ? [] : [{ title: 'the model credential answers', run: input.model }];
  const sandbox = input.sandbox === undefined ? [] : [sandboxCheck(input.sandbox)];
  return [...tokenChecks, ...forgeAccessChecks, serviceCheck, ...hookChecks, ...modelCheck, ...sandbox, ...hostChecks];
}

/**
 * Asks the forge to send its test delivery (a push) and waits for the service to record one
 * received since; a rise in signature rejections meanwhile means the secrets differ.
 */
async function testDelivery(
  input: DoctorInput,
  repo: string,
  ourHook: (repo: string) => Promise<FoundHook | undefined>,
): Promise<CheckResult> {
  const hook = await ourHook(repo);
  if (hook === undefined) return failure('no webhook to test', `add the webhook first, ${INIT_HINT}`);
  if ('org' in hook.owner) {
    // Gitea's API has no test delivery for organisation hooks (only `/repos/…/hooks/{id}/tests`).
    return pass(
      `hook ${hook.id} of ${describeHookOwner(hook.owner)}: not tested (the forge's API cannot send an organisation hook a test delivery; use "Test delivery" in its settings, then \`claude-hooks deliveries\`)`,
    );
  }
  if (!(await input.service.reachable()))
    return failure('the service is not running', 'start it, then run doctor again');
  const rejectedBefore = await input.service.signatureRejections();
  const since = input.now();
  if (!(await sendTest(input.hookReader, repo, hook.id))) {
    // Only a repository admin whose token may write sends one; no agent is, and forge.serviceToken only reads.
    return pass(
      `hook ${hook.id}: not tested (sending a test delivery takes a repository admin's token with write:repository: set ${FORGE_ADMIN_TOKEN_ENV} for doctor, or use "Test delivery" in the hook's settings, then \`claude-hooks deliveries\`)`,
    );
  }
  const deadline = input.now() + input.deliveryTimeoutMs;
  for (;;) {
    const recorded = await input.service.deliveries();
    if (recorded.some((delivery) => delivery.eventType === 'push' && delivery.receivedAt >= since))
      return pass(`hook ${hook.id}: recorded by the service`);
    if ((await input.service.signatureRejections()) > rejectedBefore) {
      return failure(
        `hook ${hook.id}: the service refused the delivery's signature`,
        `set the hook's secret to the service's webhook secret (forge.webhookSecret, or <dataDir>/webhook-secret when generated), ${INIT_HINT}`,
      );
    }
    if (input.now() >= deadline) break;
    await input.sleep(200);
  }
  return failure(
    `hook ${hook.id}: the forge's test delivery never reached the service within ${Math.round(input.deliveryTimeoutMs / 1000)} s`,
    `make ${input.hookUrl} reachable from the forge (a reverse proxy, server.publicUrl, Forgejo's [webhook] ALLOWED_HOST_LIST), then check the hook's Recent deliveries`,
  );
}

/** Asks the forge for a test delivery; false when it refuses this credential (403). */
async function sendTest(reader: OnboardingForge, repo: string, id: number): Promise<boolean> {
  try {
    await reader.testHook(repo, id);
    return true;
  } catch (error) {
    if (error instanceof ForgeApiError && error.status === 403) return false;
    throw error;
  }
}

/**
 * `claude-hooks doctor`: checks a working installation against the live forge and the running
 * service and prints a ✓/✗ checklist with the fix of each ✗ (or JSON with `--json`); the result is
 * saved for `/readyz` and the dashboard. Exits 0 only when every check passed.
 */
import { localServiceUrl } from './local-url.js';
import type { Config } from '../config/types.js';
import { createOnboardingClient } from '../onboarding/gitea-onboarding-client.js';
import { doctorChecks, type CheckResult } from '../onboarding/doctor-checks.js';
import { saveDoctorResult, type DoctorResult } from '../onboarding/last-result.js';
import { probeModel } from '../onboarding/model-probe.js';
import { createServiceProbe } from '../onboarding/service-probe.js';
import { probeSandbox } from '../sandbox/probe.js';
import { gitVersion } from '../workdir/git-version.js';
import type { CliIo, OptionValues } from './commands.js';
import { ADMIN_TOKEN_ENV } from './init.js';

export const DOCTOR_OPTIONS = {
  json: { type: 'boolean' },
  model: { type: 'boolean' },
  'service-url': { type: 'string' },
  wait: { type: 'string' },
} as const;

export const DOCTOR_HELP = `Checks the agents' tokens and scopes, their access on each repository (none admin),
forge.serviceToken, the default branch's protection, the webhook, a test delivery from the forge
through the running service's signature check, the sandbox, free disk, git and the data dir;
prints each ✗ with its fix and exits 1 unless all pass. Reads hooks, permissions and protection as
the forge admin (${ADMIN_TOKEN_ENV}) when set, else as forge.serviceToken, else as the first agent.
The result is saved for /readyz.

  --json              the result as JSON
  --model             also make one tiny request to the model with the configured credential
  --service-url URL   where doctor reaches the service (default: http://server.host:server.port)
  --wait SECONDS      how long to wait for the test delivery (default 10)`;

export async function runDoctor(config: Config, values: OptionValues, io: CliIo): Promise<number> {
  const forgeUrl = config.forge.url;
  if (forgeUrl === undefined || config.agents.length === 0) {
    io.stderr.write(
      'doctor needs forge.url and at least one agent in the configuration: run `claude-hooks init` first\n',
    );
    return 2;
  }
  const wait = values.wait === undefined ? 10 : Number(values.wait);
  if (!Number.isFinite(wait) || wait <= 0) {
    io.stderr.write(`--wait must be a positive number of seconds, not ${JSON.stringify(values.wait)}\n`);
    return 2;
  }
  const serviceUrl = ((values['service-url'] as string | undefined) ?? localServiceUrl(config)).replace(/\/+$/, '');
  const forgeAs = (token: string) => createOnboardingClient({ baseUrl: forgeUrl, token });
  const adminToken = io.env[ADMIN_TOKEN_ENV];
  const [first] = config.agents;
  const serviceToken = config.forge.serviceToken;
  // What only a repository admin may see is read as the forge admin, else as the service user (an admin of the repositories), else as the first agent.
  const readerToken =
    adminToken !== undefined && adminToken !== ''
      ? adminToken
      : (serviceToken?.reveal() ?? first?.token.reveal() ?? '');
  const checks = doctorChecks({
    // `github` is refused when the config is loaded.
    forgeKind: config.forge.kind === 'gitea' ? 'gitea' : 'forgejo',
    agents: config.agents.map((agent) => ({
      name: agent.name,
      login: agent.login,
      token: agent.token.reveal(),
      tokenRef: refOf(agent.token.origin, `agents.${agent.name}.token`),
      role: agent.role,
    })),
    serviceToken:
      serviceToken === undefined
        ? 'missing'
        : { token: serviceToken.reveal(), ref: refOf(serviceToken.origin, 'forge.serviceToken') },
    sandbox: { isolation: config.isolation, probe: () => probeSandbox({ env: io.env }) },
    repositories: config.forge.repositories,
    hookUrl: `${(config.server.publicUrl ?? serviceUrl).replace(/\/+$/, '')}/webhook`,
    serviceUrl,
    forgeAs,
    hookReader: forgeAs(readerToken),
    service: createServiceProbe({ url: serviceUrl, adminToken: config.adminToken?.reveal() }),
    dataDir: config.dataDir,
    minFreeBytes: config.health.minFreeBytes,
    gitVersion: () => gitVersion(io.env),
    deliveryTimeoutMs: wait * 1000,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    now: () => Date.now(),
    ...(values.model === true ? { model: () => probeModel(first?.model) } : {}),
  });
  const results: DoctorResult['checks'] = [];
  for (const check of checks) {
    let result: CheckResult;
    try {
      result = await check.run();
    } catch (error) {
      result = {
        ok: false,
        detail: (error as Error).message,
        fix: 'check forge.url and that the forge answers, then run doctor again',
      };
    }
    results.push({ title: check.title, ...result });
    if (values.json !== true)
      io.stdout.write(
        `${result.ok ? '✓' : '✗'} ${check.title}: ${result.detail}\n${result.fix === undefined ? '' : `    fix: ${result.fix}\n`}`,
      );
  }
  const ok = results.every((result) => result.ok);
  const report: DoctorResult = { at: new Date().toISOString(), ok, checks: results };
  await saveDoctorResult(config.dataDir, report);
  if (values.json === true) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else
    io.stdout.write(
      ok
        ? `all ${results.length} checks passed\n`
        : `${results.filter((r) => !r.ok).length} of ${results.length} checks failed\n`,
    );
  return ok ? 0 : 1;
}

function refOf(origin: { env: string } | { file: string } | undefined, key: string): string {
  if (origin === undefined) return key;
  return 'env' in origin ? `$${origin.env} (${key})` : `${origin.file} (${key})`;
}

/**
 * The composition root: the only place that opens infrastructure and wires modules together.
 * Each resource registers its release with the lifecycle as it is opened; `close` releases them
 * in reverse order (stop accepting → drain → close the database).
 */
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Config } from './config/types.js';
import { ensureWebhookSecret } from './config/webhook-secret.js';
import { buildHttpApp } from './http/build-app.js';
import { dataDirWritableCheck, freeDiskCheck } from './http/health.js';
import { createMetrics } from './http/metrics.js';
import { createAcceptDelivery } from './intake/accept-delivery.js';
import { systemClock, type Clock } from './lib/clock.js';
import { createLifecycle } from './lib/lifecycle.js';
import type { Logger } from './lib/logger.js';
import { openSqliteStore, type SqliteStore } from './store/sqlite/sqlite-store.js';

export interface ServiceOptions {
  readonly config: Config;
  readonly log: Logger;
  readonly clock?: Clock;
  /** Where one-time notices for the operator go (the generated webhook secret); stdout in the CLI. */
  readonly announce?: (text: string) => void;
}

export interface Service {
  /** `http://host:port` the service listens on. */
  readonly url: string;
  readonly store: SqliteStore;
  close(): Promise<void>;
}

export async function startService(options: ServiceOptions): Promise<Service> {
  const { config, log } = options;
  const clock = options.clock ?? systemClock;
  const lifecycle = createLifecycle(log);
  try {
    mkdirSync(config.dataDir, { recursive: true });
    const store = openSqliteStore({ dataDir: config.dataDir, clock, dedupWindowMs: config.intake.dedupWindowHours * 3600_000 });
    lifecycle.defer('database', () => store.close());

    const webhookSecret = resolveWebhookSecret(config);
    const metrics = createMetrics();
    const acceptDelivery = createAcceptDelivery({
      secret: webhookSecret.secret,
      secretSetting: webhookSecret.setting,
      store: store.deliveries,
      clock,
      forgeHost: config.forge.url ? new URL(config.forge.url).host.toLowerCase() : undefined,
    });

    const app = buildHttpApp({
      acceptDelivery,
      metrics,
      log,
      bodyLimitBytes: config.server.bodyLimitBytes,
      readiness: [store.readiness, dataDirWritableCheck(config.dataDir), freeDiskCheck(config.dataDir, config.health.minFreeBytes)],
    });
    await app.listen({ host: config.server.host, port: config.server.port });
    lifecycle.defer('http', () => app.close());
    const { port } = app.server.address() as AddressInfo;
    const url = `http://${config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host}:${port}`;
    log.info({ url, dataDir: config.dataDir, agents: config.agents.map((a) => a.name) }, 'claude-hooks listening');
    if (webhookSecret.generated) options.announce?.(secretNotice(config.server.publicUrl ?? url, webhookSecret.path, webhookSecret.secret.reveal()));

    return { url, store, close: () => lifecycle.close() };
  } catch (error) {
    await lifecycle.close();
    throw error;
  }
}

function resolveWebhookSecret(config: Config) {
  if (config.forge.webhookSecret) {
    return { secret: config.forge.webhookSecret, generated: false, path: '', setting: 'CLAUDE_HOOKS_WEBHOOK_SECRET (forge.webhookSecret)' };
  }
  const generated = ensureWebhookSecret(config.dataDir);
  return { ...generated, setting: `the generated secret in ${generated.path}` };
}

function secretNotice(baseUrl: string, path: string, secret: string): string {
  return [
    '',
    'No webhook secret was configured, so one was generated and saved in',
    `  ${path}`,
    'Add a webhook in the forge (repository or organisation settings → Webhooks → Forgejo/Gitea):',
    `  Target URL:   ${baseUrl.replace(/\/+$/, '')}/webhook`,
    '  Content type: application/json',
    `  Secret:       ${secret}`,
    'This notice is printed once; the secret stays in the file above.',
    '',
  ].join('\n');
}

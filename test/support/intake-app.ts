/** The HTTP app wired to a real SQLite store in a temp dir, not listening, for `inject` tests. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildHttpApp } from '../../src/http/build-app.js';
import type { ConnectionLimits } from '../../src/http/connection-limits.js';
import { dataDirWritableCheck } from '../../src/http/health.js';
import { createMetrics } from '../../src/http/metrics.js';
import { createAcceptDelivery } from '../../src/intake/accept-delivery.js';
import { systemClock } from '../../src/lib/clock.js';
import { silentLogger, type Logger } from '../../src/lib/logger.js';
import { Secret } from '../../src/lib/secret.js';
import { openStore, storeFiles } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/ports.js';
import { storeRows } from './store-rows.js';

export const TEST_SECRET = 'test-webhook-secret';

export interface IntakeApp {
  readonly app: FastifyInstance;
  readonly store: Store;
  readonly dataDir: string;
  /** The SQLite file, for tests that read it over a second connection (`store-rows.ts`). */
  readonly databaseFile: string;
  counts(): { deliveries: number; events: number };
  close(): Promise<void>;
}

export async function buildIntakeApp(
  options: { bodyLimitBytes?: number; log?: Logger; forgeUrl?: string; connections?: ConnectionLimits } = {},
): Promise<IntakeApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'claude-hooks-intake-'));
  const store = await openStore({ kind: 'sqlite' }, { dataDir, clock: systemClock, dedupWindowMs: 3600_000 });
  const databaseFile = storeFiles({ kind: 'sqlite' }, dataDir)[0]!;
  const app = buildHttpApp({
    acceptDelivery: createAcceptDelivery({
      secret: new Secret(TEST_SECRET),
      store: store.deliveries,
      clock: systemClock,
      forgeUrl: options.forgeUrl,
    }),
    metrics: createMetrics({ defaultMetrics: false }),
    log: options.log ?? silentLogger(),
    bodyLimitBytes: options.bodyLimitBytes ?? 5 * 1024 * 1024,
    connections: options.connections,
    readiness: [store.readiness, dataDirWritableCheck(dataDir)],
  });
  await app.ready();
  return {
    app,
    store,
    dataDir,
    databaseFile,
    counts: () => {
      const rows = storeRows(databaseFile);
      return { deliveries: rows.deliveries, events: rows.events };
    },
    async close() {
      await app.close();
      await store.close();
    },
  };
}

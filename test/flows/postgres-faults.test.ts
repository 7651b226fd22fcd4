/**
 * A PostgreSQL blip costs a delay, never the process. The store is opened
 * through a TCP proxy that resets every connection (a failover, a network blip) or stalls them
 * (a database that hangs); the timeouts are set short. Each fault must be reported, not thrown —
 * an unheard `error` event would kill the test runner, as it killed every worker — and intake,
 * `/readyz` and queries must answer within their timeouts, then work again once the database
 * does. Then a whole worker process, through the same proxy, survives a reset and a stall and
 * still runs jobs. Skipped, loudly, without CLAUDE_HOOKS_TEST_DATABASE_URL.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { StoreConfig } from '../../src/config/types.js';
import type { StoredEvent } from '../../src/core/stored-event.js';
import { buildHttpApp } from '../../src/http/build-app.js';
import { createMetrics } from '../../src/http/metrics.js';
import { createAcceptDelivery } from '../../src/intake/accept-delivery.js';
import { systemClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { Secret } from '../../src/lib/secret.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/ports.js';
import { commented } from '../support/events.js';
import { startScene, WEBHOOK_SECRET, type Scene } from '../support/flow.js';
import { deliveryHeaders, deliveryIdFor, loadSamplePayload } from '../support/payloads.js';
import {
  createSchema,
  dropSchema,
  freshSchemaName,
  postgresSkip,
  TEST_DATABASE_URL,
  urlInSchema,
} from '../support/postgres.js';
import { startTcpFaultProxy, type TcpFaultProxy } from '../support/tcp-fault-proxy.js';
import { until } from '../support/wait.js';
import { createWorkerProcesses, listeningLine, type WorkerProcess } from '../support/workers/worker-processes.js';

const SECRET = 'faults-webhook-secret';

async function proxyToDatabase(): Promise<TcpFaultProxy> {
  const target = new URL(TEST_DATABASE_URL ?? 'postgres://unset');
  return startTcpFaultProxy({ host: target.hostname, port: Number(target.port || 5432) });
}

function postgresConfig(
  url: string,
  timeouts: { connectTimeoutSeconds: number; statementTimeoutSeconds: number },
): StoreConfig {
  return {
    kind: 'postgres',
    url: new Secret(url),
    maxConnections: 2,
    affinityWaitMs: 30_000,
    leaseSeconds: 30,
    ...timeouts,
  };
}

describe('the PostgreSQL store when the database fails', { skip: postgresSkip() }, () => {
  const schema = freshSchemaName('faults');
  const dataDir = mkdtempSync(join(tmpdir(), 'claude-hooks-pg-faults-'));
  const faults: Array<{ connection: string; error: Error }> = [];
  const heard: StoredEvent[] = [];
  let jobWakeUps = 0;
  let proxy: TcpFaultProxy;
  let store: Store;
  /** Another worker on the same schema, straight to the database. */
  let other: Store;
  let app: FastifyInstance;
  let sent = 0;

  const comment = (id: number) => {
    const event = commented(7, 'alice', `@dev look (${id})`, { id });
    return {
      deliveryId: `other-${id}`,
      source: 'webhook',
      forge: 'forgejo',
      eventType: 'issue_comment',
      receivedAt: Date.now(),
      headers: {},
      body: Buffer.from('{}'),
      outcome: { kind: 'event', event },
    } as const;
  };
  const deliver = () => {
    const sample = loadSamplePayload('gitea-issue_comment-created', { forge: 'forgejo' });
    const deliveryId = deliveryIdFor(`fault-${++sent}-${schema}`);
    const body = sample.body;
    const headers = deliveryHeaders({
      forge: 'forgejo',
      deliveryId,
      event: sample.event,
      eventType: sample.eventType,
      body,
      secret: SECRET,
    });
    return app.inject({ method: 'POST', url: '/webhook', headers, payload: body });
  };

  before(async () => {
    proxy = await proxyToDatabase();
    const options = { dataDir, schema, clock: systemClock, dedupWindowMs: 0 };
    store = await openStore(
      postgresConfig(proxy.via(TEST_DATABASE_URL!), { connectTimeoutSeconds: 1, statementTimeoutSeconds: 1 }),
      {
        ...options,
        onConnectionError: (fault) => faults.push(fault),
      },
    );
    other = await openStore(
      postgresConfig(TEST_DATABASE_URL!, { connectTimeoutSeconds: 5, statementTimeoutSeconds: 30 }),
      options,
    );
    store.onEvent((stored) => heard.push(stored));
    store.onJobsChanged(() => (jobWakeUps += 1));
    app = buildHttpApp({
      acceptDelivery: createAcceptDelivery({ secret: new Secret(SECRET), store: store.deliveries, clock: systemClock }),
      metrics: createMetrics({ defaultMetrics: false }),
      log: silentLogger(),
      bodyLimitBytes: 1024 * 1024,
      readiness: [store.readiness],
    });
    await app.ready();
  });

  after(async () => {
    proxy?.resume();
    await app?.close();
    await store?.close();
    await other?.close();
    await proxy?.close();
    await dropSchema(schema);
    rmSync(dataDir, { recursive: true, force: true });
  });

  describe('when every connection is reset', () => {
    let wakeUpsBefore: number;

    before(async () => {
      // Two pooled connections open and idle, and the listening one.
      await Promise.all([store.jobs.countByState(), store.jobs.countByState()]);
      wakeUpsBefore = jobWakeUps;

      proxy.reset();
    });

    it('reports each lost connection instead of throwing it, the pooled ones and the listening one', async () => {
      await until(
        () => faults.some((f) => f.connection === 'pool') && faults.some((f) => f.connection === 'listen'),
        'the lost connections to be reported',
      );

      assert.ok(faults.every((f) => f.error instanceof Error));
    });

    it('answers the next query on a new connection', async () => {
      assert.equal(typeof (await store.jobs.countByState()), 'object');
    });

    it('listens again by itself, and tells the jobs listeners once it does, so nothing waits for the safety poll', async () => {
      await until(() => jobWakeUps > wakeUpsBefore, 'the jobs listeners to be told after the reconnect', 5_000);

      assert.equal(jobWakeUps, wakeUpsBefore + 1);
    });

    it('hears the events another worker commits again', async () => {
      const recorded = await other.deliveries.record(comment(101));

      assert.equal(recorded.status, 'accepted');
      await until(() => heard.some((h) => h.deliveryId === 'other-101'), "the other worker's event to be heard");
    });
  });

  describe('while the database stalls', () => {
    /** A second worker's store, to shut down mid-stall. */
    let closing: Store;

    before(async () => {
      closing = await openStore(
        postgresConfig(proxy.via(TEST_DATABASE_URL!), { connectTimeoutSeconds: 1, statementTimeoutSeconds: 1 }),
        { dataDir, schema, clock: systemClock, dedupWindowMs: 0 },
      );
      await Promise.all([store.jobs.countByState(), closing.jobs.countByState()]);
      proxy.stall();
    });
    after(() => proxy.resume());

    // A hang would end at the test's timeout; the error says which of the store's own deadlines ended the wait.
    it("fails a query within its timeouts (1 s to connect, 1 s per statement, a second's grace) instead of hanging", {
      timeout: 30_000,
    }, async () => {
      await assert.rejects(store.jobs.countByState(), /timeout/i);
    });

    it('says on /readyz that the database is down, within its own 2 s', { timeout: 30_000 }, async () => {
      const response = await app.inject({ method: 'GET', url: '/readyz' });

      assert.equal(response.statusCode, 503);
      const check = (response.json() as { checks: Record<string, { ok: boolean; detail: string }> }).checks
        .databaseWritable;
      assert.equal(check?.ok, false);
      assert.match(check?.detail ?? '', /^PostgreSQL (does not take writes|did not answer within 2 s)/);
    });

    it('answers a delivery 503 (store-failed), within the timeouts: the forge delivers it again, or the poller finds it', {
      timeout: 30_000,
    }, async () => {
      const response = await deliver();

      assert.equal(response.statusCode, 503);
      assert.equal((response.json() as { reason: string }).reason, 'store-failed');
    });

    it('shuts down within its timeouts instead of waiting for the database to answer', {
      timeout: 30_000,
    }, async () => {
      await closing.close(); // while the database still says nothing
    });
  });

  describe('once the database answers again', () => {
    it('answers queries, /readyz and deliveries', async () => {
      await until(
        () =>
          store.jobs.countByState().then(
            () => true,
            () => false,
          ),
        'a query to succeed again',
      );

      const ready = await app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(ready.statusCode, 200, ready.body);
      const delivered = await deliver();
      assert.equal(delivered.statusCode, 202, delivered.body);
    });

    it('wakes the other workers with what it stores, and is woken by theirs', async () => {
      const woken: StoredEvent[] = [];
      other.onEvent((stored) => woken.push(stored));

      const delivered = await deliver();
      await other.deliveries.record(comment(102));

      const deliveryId = (delivered.json() as { delivery: string }).delivery;
      await until(() => woken.some((w) => w.deliveryId === deliveryId), "the other worker to hear this one's event");
      await until(() => heard.some((h) => h.deliveryId === 'other-102'), "this worker to hear the other's event");
    });
  });
});

describe('a worker whose database blips', { skip: postgresSkip() }, () => {
  const root = mkdtempSync(join(tmpdir(), 'claude-hooks-pg-blip-'));
  const schema = freshSchemaName('blip');
  const runsLog = join(root, 'runs.log');
  const processes = createWorkerProcesses(root);
  let proxy: TcpFaultProxy;
  let scene: Scene;
  let worker: WorkerProcess;
  let issue: number;

  const ran = () =>
    (existsSync(runsLog) ? readFileSync(runsLog, 'utf8') : '')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { phase: string; comments?: number[] });
  const answered = (commentId: number) =>
    ran().some((line) => line.phase === 'start' && line.comments?.includes(commentId));
  const ask = async (text: string) => (await scene.forge.as('alice').comment('acme/widget', issue, `@dev ${text}`)).id;

  before(async () => {
    await createSchema(schema);
    proxy = await proxyToDatabase();
    scene = await startScene();
    worker = await processes.start({
      name: 'w1',
      yaml: (dataDir) => {
        writeFileSync(join(dataDir, 'skill.md'), '# dev\n');
        return `
server: { port: 0 }
dataDir: ${JSON.stringify(dataDir)}
store: { postgres: { url: { env: DATABASE_URL }, leaseSeconds: 30, maxConnections: 4, connectTimeoutSeconds: 1, statementTimeoutSeconds: 2 } }
forge:
  kind: forgejo
  url: ${scene.forge.url}
  webhookSecret: { env: FLOW_WEBHOOK_SECRET }
  repositories: [acme/widget]
dispatch: { allowUsers: [alice], backoffSeconds: 0.05, pollIntervalSeconds: 1 }
agents:
  dev:
    login: dev
    token: { value: ${JSON.stringify(scene.tokens.dev)} }
    git: { name: Dev, email: dev@agents.test }
    skill: skill.md
    worktree: issue-branch
    triggers: [{ on: mention }]
    limits: { runsPerHour: 1000 }
`;
      },
      env: { DATABASE_URL: proxy.via(urlInSchema(schema)), FLOW_WEBHOOK_SECRET: WEBHOOK_SECRET },
      argv: (config) => ['test/support/worker-child.ts', config, runsLog],
      ready: (output) => listeningLine(output),
    });
    scene.forge.setWebhookUrl(`${worker.url}/webhook`);
    issue = (await scene.forge.as('alice').openIssue('acme/widget', { title: 'Login fails for names with spaces' }))
      .number;
    const first = await ask('please look');
    await until(() => answered(first), 'the first job to run', 30_000);
  });

  after(async () => {
    proxy?.resume();
    await processes.stopAll();
    await scene?.forge.close();
    await proxy?.close();
    await dropSchema(schema);
    rmSync(root, { recursive: true, force: true });
  });

  it('survives a reset of every connection to the database, says so in its log, and runs the next job', async () => {
    proxy.reset();
    const next = await ask('and now?');

    await until(() => answered(next) || worker.child.exitCode !== null, 'the job after the reset to run', 30_000);
    assert.equal(worker.child.exitCode, null, `the worker died:\n${worker.output()}`);
    assert.match(worker.output(), /a connection to PostgreSQL failed; the store reconnects by itself/);
  });

  it('answers the forge 503 while the database stalls, and runs the job once it is back (the poller finds the comment)', async () => {
    proxy.stall();
    const during = await ask('while the database hangs');
    await scene.forge.idle();
    const delivery = scene.forge.deliveries().at(-1);
    assert.equal(delivery?.status, 'failed', 'the webhook was refused, not accepted');

    proxy.resume();

    await until(() => answered(during), 'the job asked for during the stall to run', 60_000);
    assert.equal(worker.child.exitCode, null, worker.output());
  });
});

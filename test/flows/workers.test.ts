/**
 * Several workers on one PostgreSQL (docs/decisions.md §31): three worker processes — each the real service
 * with its own data dir, a recording job runner in place of worktree and agent — share one
 * schema, behind a load balancer that sends each of the forge double's webhooks to a worker at
 * random. Skipped, loudly, without CLAUDE_HOOKS_TEST_DATABASE_URL.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { startBalancer, type Balancer } from '../support/balancer.js';
import { CLI } from '../support/service-process.js';
import { startScene, WEBHOOK_SECRET, type Scene } from '../support/flow.js';
import { createSchema, dropSchema, freshSchemaName, postgresSkip, queryIn, urlInSchema } from '../support/postgres.js';
import { until } from '../support/wait.js';
import { createWorkerProcesses, listeningLine, type WorkerProcess } from '../support/workers/worker-processes.js';

const ISSUES = 50;
const COMMENTS = 300;
const LIMIT = 3;

interface RunLine {
  readonly worker: string;
  readonly at: number;
  readonly phase: 'start' | 'end';
  readonly job: number;
  readonly key: string;
  readonly comments?: number[];
}

describe('three workers on one database', { skip: postgresSkip() }, () => {
  const root = mkdtempSync(join(tmpdir(), 'claude-hooks-workers-'));
  const schema = freshSchemaName('workers');
  const runsLog = join(root, 'runs.log');
  const processes = createWorkerProcesses(root);
  let scene: Scene;
  let balancer: Balancer;
  let workers: WorkerProcess[] = [];

  const yaml = (tokens: Scene['tokens'], forgeUrl: string) => (dataDir: string) =>
    `
server: { port: 0 }
dataDir: ${JSON.stringify(dataDir)}
adminToken: { env: FLOW_ADMIN_TOKEN }
store: { postgres: { url: { env: DATABASE_URL }, leaseSeconds: 3, maxConnections: 4 } }
forge:
  kind: forgejo
  url: ${forgeUrl}
  webhookSecret: { env: FLOW_WEBHOOK_SECRET }
  repositories: [acme/widget]
dispatch: { allowUsers: [alice], concurrency: ${LIMIT}, perRepository: ${LIMIT}, backoffSeconds: 0.05, pollIntervalSeconds: 3600 }
agents:
  dev:
    login: dev
    token: { value: ${JSON.stringify(tokens.dev)} }
    git: { name: Dev, email: dev@agents.test }
    skill: skill.md
    worktree: issue-branch
    triggers: [{ on: mention }]
    limits: { concurrency: ${LIMIT}, runsPerHour: 1000 }
`;

  before(async () => {
    await createSchema(schema);
    scene = await startScene();
    balancer = await startBalancer(() => workers.map((w) => w.url));
    const start = (name: string) =>
      processes.start({
        name,
        yaml: (dataDir) => {
          writeFileSync(join(dataDir, 'skill.md'), '# dev\n');
          return yaml(scene.tokens, scene.forge.url)(dataDir);
        },
        env: {
          DATABASE_URL: urlInSchema(schema),
          FLOW_WEBHOOK_SECRET: WEBHOOK_SECRET,
          FLOW_ADMIN_TOKEN: 'workers-admin',
        },
        argv: (config) => ['test/support/worker-child.ts', config, runsLog],
        ready: (output) => listeningLine(output),
      });
    // Started together on an empty schema: they must migrate it once between them.
    workers = await Promise.all([start('w1'), start('w2'), start('w3')]);
    scene.forge.setWebhookUrl(`${balancer.url}/webhook`);
  });

  after(async () => {
    await processes.stopAll();
    await balancer?.close();
    await scene?.forge.close();
    await dropSchema(schema);
    rmSync(root, { recursive: true, force: true });
  });

  it('migrated the schema once, though the three workers started at the same moment', async () => {
    const versions = await queryIn<{ version: number }>(
      schema,
      'SELECT version FROM schema_migrations ORDER BY version',
    );
    assert.deepEqual(
      versions.map((v) => v.version),
      [1, 2, 3, 4, 5, 6, 7],
    );
    const alive = await queryIn<{ id: string }>(schema, 'SELECT id FROM workers WHERE stopped_at IS NULL ORDER BY id');
    assert.deepEqual(alive.map((w) => w.id).sort(), workers.map((w) => w.id).sort());
  });

  it('lists the three workers alive, from the CLI and from GET /api/workers on any of them', async () => {
    const cli = spawnSync(
      process.execPath,
      [CLI, 'workers', '--json', '--config', join(workers[0]!.dataDir, 'claude-hooks.yaml')],
      {
        env: {
          PATH: process.env.PATH,
          DATABASE_URL: urlInSchema(schema),
          FLOW_WEBHOOK_SECRET: WEBHOOK_SECRET,
          FLOW_ADMIN_TOKEN: 'workers-admin',
        },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    assert.equal(cli.status, 0, cli.stderr);
    const listed = JSON.parse(cli.stdout) as Array<{ id: string; alive: boolean; dataDir: string }>;
    assert.deepEqual(
      listed
        .filter((w) => w.alive)
        .map((w) => w.id)
        .sort(),
      workers.map((w) => w.id).sort(),
    );

    const response = await fetch(`${workers[2]!.url}/api/workers`, {
      headers: { authorization: 'Bearer workers-admin' },
    });
    const body = (await response.json()) as {
      self: string;
      workers: Array<{ id: string; alive: boolean; leads: string[] }>;
    };
    assert.equal(body.self, workers[2]!.id);
    assert.equal(body.workers.filter((w) => w.alive).length, 3);
    // Each run-once task has exactly one leader among them.
    const leads = body.workers.flatMap((w) => w.leads).sort();
    assert.deepEqual(leads, ['poller', 'recovery', 'sweeper']);
  });

  it(`acts on each of ${COMMENTS} comments on ${ISSUES} issues exactly once, never runs a key on two workers at once, and keeps the limits`, async () => {
    const alice = scene.forge.as('alice');
    const issues: number[] = [];
    for (let i = 0; i < ISSUES; i++)
      issues.push((await alice.openIssue('acme/widget', { title: `Issue ${i + 1}` })).number);
    const comments: number[] = [];
    for (let i = 0; i < COMMENTS; i++) {
      const issue = issues[Math.floor(Math.random() * issues.length)]!;
      comments.push((await alice.comment('acme/widget', issue, `@dev please look (${i})`)).id);
    }
    await scene.forge.idle();

    const lines = await until(
      () => {
        const read = (existsSync(runsLog) ? readFileSync(runsLog, 'utf8') : '')
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as RunLine);
        const answered = new Set(read.flatMap((l) => l.comments ?? []));
        const open = read.filter((l) => l.phase === 'start').length - read.filter((l) => l.phase === 'end').length;
        return comments.every((id) => answered.has(id)) && open === 0 ? read : undefined;
      },
      'every comment to be answered',
      120_000,
    ).catch(async (error: Error) => {
      const got = existsSync(runsLog) ? readFileSync(runsLog, 'utf8').trim().split('\n').length : 0;
      const jobs = await queryIn<{ state: string; n: number }>(
        schema,
        'SELECT state, count(*)::int AS n FROM jobs GROUP BY state',
      );
      const events = await queryIn<{ n: number }>(
        schema,
        'SELECT count(*)::int AS n FROM events WHERE dispatched_at IS NULL',
      );
      const skips = await queryIn<{ reason: string; n: number }>(
        schema,
        'SELECT reason, count(*)::int AS n FROM routing_skips GROUP BY reason',
      );
      const deliveries = await queryIn<{ outcome: string; reason: string; n: number }>(
        schema,
        'SELECT outcome, reason, count(*)::int AS n FROM deliveries GROUP BY outcome, reason',
      );

      throw new Error(
        `${error.message}: ${got} run lines; jobs ${JSON.stringify(jobs)}; undispatched events ${events[0]?.n}; skips ${JSON.stringify(skips)}; deliveries ${JSON.stringify(deliveries)}\n${workers.map((w) => `--- ${w.name}\n${w.output().slice(-3000)}`).join('\n')}`,
      );
    });

    // Exactly once: each comment was given to one run, and to one run only.
    const given = lines.flatMap((l) => l.comments ?? []);
    assert.equal(given.length, new Set(given).size, 'a comment was given to two runs');
    assert.deepEqual(
      [...new Set(given)].sort((a, b) => a - b),
      [...comments].sort((a, b) => a - b),
    );
    // Work spread over the workers, each through its own intake.
    assert.ok(new Set(lines.map((l) => l.worker)).size >= 2, 'every run happened on one worker');
    assert.ok([...balancer.counts.values()].filter((n) => n > 0).length === 3, 'the balancer used every worker');

    // Never one key on two workers (or twice on one) at the same time; never more than LIMIT running.
    const events = lines
      .map((l) => ({ ...l, order: l.phase === 'end' ? 0 : 1 }))
      .sort((a, b) => a.at - b.at || a.order - b.order);
    const runningKeys = new Map<string, string>();
    let running = 0;
    let most = 0;
    for (const e of events) {
      if (e.phase === 'start') {
        assert.equal(
          runningKeys.get(e.key),
          undefined,
          `${e.key} started on ${e.worker} while running on ${runningKeys.get(e.key)}`,
        );
        runningKeys.set(e.key, e.worker);
        most = Math.max(most, ++running);
      } else {
        runningKeys.delete(e.key);
        running--;
      }
    }
    assert.ok(most <= LIMIT, `${most} jobs ran at once; the limit is ${LIMIT}`);
    assert.ok(most >= 2, 'jobs never ran side by side: the test proves nothing about limits');
  });
});

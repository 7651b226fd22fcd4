/**
 * Dispatch benchmark (issue #3): the overhead from a delivery's 202 to the runner being called,
 * with a no-op runner, over 1,000 comment deliveries across 100 work keys, through the real
 * service (HTTP intake, SQLite, routing, mailbox, scheduler). Limits are set high so the figure is
 * dispatch overhead, not waiting for a slot. Baseline, measured in the same run: one durable
 * write through the same group committer — the floor for any step that must survive a crash.
 * Target: p99 under 50 ms.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load-config.js';
import { silentLogger } from '../src/lib/logger.js';
import { startService } from '../src/main.js';
import type { ForgeClient } from '../src/forge/client.js';
import type { AgentRunner } from '../src/queue/ports.js';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { systemClock } from '../src/lib/clock.js';
import { deliveryHeaders, deliveryIdFor, loadSamplePayload } from '../test/support/payloads.js';
import type { LoadRequest } from './lib/load.js';
import { percentile, writeReport } from './lib/report.js';

const EVENTS = 1000;
const KEYS = 100;
const SECRET = 'bench-secret';

function permissive(): ForgeClient {
  const unused = async (): Promise<never> => {
    throw new Error('not used');
  };
  return { whoami: unused, getRepository: unused, getIssue: unused, getPull: unused, listIssuesUpdatedSince: async () => [], listCommentsUpdatedSince: async () => [], createComment: unused, getPermission: async () => 'write', listTimelineSince: async () => [], listReviews: async () => [],
    listIssueComments: unused, listPulls: unused, getPullDiffStat: unused, listPullReviews: unused, listReviewComments: unused,
    editComment: unused, findOpenPull: unused, createPull: unused, requestReviewers: unused, submitReview: unused, addLabels: unused, removeLabel: unused, createIssue: unused };
}

function deliveries(count: number, firstId: number): { requests: LoadRequest[]; commentIds: number[] } {
  const sample = loadSamplePayload('gitea-issue_comment-created');
  const template = JSON.parse(sample.body.toString('utf8')) as { comment: { id: number; body: string }; issue: { number: number } };
  const requests: LoadRequest[] = [];
  const commentIds: number[] = [];
  for (let i = 0; i < count; i++) {
    const payload = structuredClone(template);
    payload.comment.id = firstId + i;
    payload.comment.body = `@dev item ${i}`;
    payload.issue.number = 1 + (i % KEYS);
    commentIds.push(payload.comment.id);
    const body = Buffer.from(JSON.stringify(payload, null, 2));
    requests.push({ path: '/webhook', body, headers: deliveryHeaders({ forge: 'forgejo', deliveryId: deliveryIdFor(`dispatch-${firstId + i}`), body, secret: SECRET, event: 'issue_comment', eventType: 'issue_comment' }) });
  }
  return { requests, commentIds };
}

async function baselineWrite(): Promise<number[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'claude-hooks-bench-baseline-'));
  const store = openSqliteStore({ dataDir, clock: systemClock, dedupWindowMs: 0 });
  store.db.exec('CREATE TABLE IF NOT EXISTS bench (n INTEGER)');
  const insert = store.db.prepare('INSERT INTO bench (n) VALUES (?)');
  const samples: number[] = [];
  for (let i = 0; i < 300; i++) {
    const started = performance.now();
    await store.committer.submit(() => insert.run(i));
    samples.push(performance.now() - started);
  }
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
  return samples.sort((a, b) => a - b);
}

export async function run(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'claude-hooks-bench-dispatch-'));
  writeFileSync(join(dataDir, 'skill.md'), 'bench');
  const yaml = `
dataDir: ${dataDir}
server: { port: 0 }
forge: { url: "http://forge.bench", webhookSecret: { env: BENCH_SECRET } }
dispatch: { concurrency: 100, perRepository: 100, pollIntervalSeconds: 0 }
agents:
  dev: { login: dev, token: { env: BENCH_SECRET }, git: { name: Dev, email: dev@bench.test }, skill: ${join(dataDir, 'skill.md')}, workspace: issue-branch, triggers: [{ on: mention }], limits: { concurrency: 100, runsPerHour: 1000 } }
`;
  writeFileSync(join(dataDir, 'claude-hooks.yaml'), yaml);
  const loaded = loadConfig({ path: join(dataDir, 'claude-hooks.yaml'), env: { BENCH_SECRET: SECRET }, cwd: dataDir });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.error));

  const calledAt = new Map<number, number>();
  const runner: AgentRunner = {
    async run(request) {
      const now = performance.now();
      for (const { event } of request.events) if (event.type === 'comment') calledAt.set(event.comment.id, now);
      return { ok: true };
    },
  };
  const service = await startService({ config: loaded.value, log: silentLogger(), jobRunner: runner, forgeClientFor: () => permissive() });
  const acceptedAt = new Map<number, number>();
  // Eight clients, each sending its next delivery when the previous one was answered.
  const send = async ({ requests, commentIds }: ReturnType<typeof deliveries>) =>
    Promise.all(
      Array.from({ length: 8 }, async (_, lane) => {
        for (let i = lane; i < requests.length; i += 8) {
          const req = requests[i]!;
          const res = await fetch(`${service.url}/webhook`, { method: 'POST', headers: req.headers, body: req.body });
          acceptedAt.set(commentIds[i]!, performance.now());
          if (res.status !== 202) throw new Error(`delivery ${i} answered ${res.status}: ${await res.text()}`);
        }
      }),
    );
  // Warm-up (module loading, JIT, the HTTP client's first connections), not measured.
  await send(deliveries(200, 100_000));
  await service.dispatcher.idle();
  const { commentIds } = deliveries(EVENTS, 500_000);
  await send(deliveries(EVENTS, 500_000));
  await service.dispatcher.idle();
  await service.close();

  const overheads = commentIds.map((id) => (calledAt.get(id) ?? Number.NaN) - (acceptedAt.get(id) ?? Number.NaN)).map((ms) => Math.max(0, ms));
  const missing = overheads.filter((ms) => Number.isNaN(ms)).length;
  if (missing > 0) throw new Error(`${missing} events never reached the runner`);
  overheads.sort((a, b) => a - b);
  const baseline = await baselineWrite();
  rmSync(dataDir, { recursive: true, force: true });

  writeReport({
    name: 'dispatch',
    figures: {
      events: EVENTS,
      keys: KEYS,
      overhead_p50_ms: percentile(overheads, 50),
      overhead_p99_ms: percentile(overheads, 99),
      overhead_max_ms: overheads[overheads.length - 1] ?? 0,
      baseline_durable_write_p50_ms: percentile(baseline, 50),
      baseline_durable_write_p99_ms: percentile(baseline, 99),
      overhead_p50_ratio_to_baseline: percentile(overheads, 50) / percentile(baseline, 50),
    },
    targets: { overhead_p99_ms: { value: percentile(overheads, 99), max: 50 } },
    notes: [
      'overhead: from the client seeing a 202 to the no-op runner being called with that event (same process, performance.now())',
      'events that arrive while their key runs wait for that run (the mailbox rule): that wait is included',
      'baseline: one durable write through the group committer (commit + WAL fsync), measured in this run',
      'after a warm-up of 200 deliveries that are not counted',
    ],
  });
}

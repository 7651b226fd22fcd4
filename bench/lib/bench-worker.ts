/**
 * One in-process worker for the workers benchmark: the real service (`startService`: intake,
 * routing, dispatch, leases, LISTEN/NOTIFY) on a PostgreSQL schema shared with the other
 * workers, its own data dir, a distinct worker id, the permissive forge and a job runner given by
 * the benchmark in place of worktree and agent.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load-config.js';
import { silentLogger } from '../../src/lib/logger.js';
import { startService, type Service } from '../../src/main.js';
import type { AgentRunner } from '../../src/queue/ports.js';
import { deliveryHeaders, deliveryIdFor, loadSamplePayload } from '../../test/support/payloads.js';
import type { LoadRequest } from './load.js';
import { permissiveForge } from './permissive-forge.js';

export const BENCH_SECRET = 'bench-secret';
/** The login the captured comment payloads are sent by; allowed, so no permission is looked up. */
export const SAMPLE_SENDER = 'unknwon';

export interface BenchWorkerOptions {
  readonly name: string;
  /** A database URL whose search path is the benchmark's schema. */
  readonly databaseUrl: string;
  /** This worker's slots (dispatch.concurrency and the agent's limit; both are checked across workers as it claims). */
  readonly concurrency: number;
  readonly runner: AgentRunner;
  /** Pool size of this worker. */
  readonly maxConnections?: number;
}

export interface BenchWorker {
  readonly name: string;
  readonly service: Service;
  close(): Promise<void>;
}

export async function startBenchWorker(options: BenchWorkerOptions): Promise<BenchWorker> {
  const dataDir = mkdtempSync(join(tmpdir(), `claude-hooks-bench-workers-${options.name}-`));
  const n = options.concurrency;
  writeFileSync(join(dataDir, 'skill.md'), 'bench');
  writeFileSync(
    join(dataDir, 'claude-hooks.yaml'),
    `
dataDir: ${JSON.stringify(dataDir)}
server: { port: 0 }
store: { postgres: { url: { env: DATABASE_URL }, maxConnections: ${options.maxConnections ?? 4} } }
forge: { url: "https://try.gitea.io", webhookSecret: { env: BENCH_SECRET } }
dispatch: { allowUsers: [${SAMPLE_SENDER}], concurrency: ${n}, perRepository: ${n}, pollIntervalSeconds: 0 }
agents:
  dev: { login: dev, token: { env: BENCH_SECRET }, git: { name: Dev, email: dev@bench.test }, skill: ${JSON.stringify(join(dataDir, 'skill.md'))}, worktree: issue-branch, triggers: [{ on: mention }], limits: { concurrency: ${n}, runsPerHour: 100000 } }
`,
  );
  const loaded = loadConfig({
    path: join(dataDir, 'claude-hooks.yaml'),
    env: { BENCH_SECRET, DATABASE_URL: options.databaseUrl },
    cwd: dataDir,
  });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.error));
  let service: Service;
  try {
    service = await startService({
      config: loaded.value,
      log: silentLogger(),
      jobRunner: options.runner,
      forgeClientFor: () => permissiveForge(),
      workerId: `bench-${options.name}`,
    });
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    name: options.name,
    service,
    close: async () => {
      await service.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

let commentIds = 2_000_000;

/** A signed comment delivery mentioning @dev on `issue` (its own work key), with a fresh comment id. */
export function commentDelivery(issue: number, text: string): { request: LoadRequest; commentId: number } {
  const sample = loadSamplePayload('gitea-issue_comment-created');
  const payload = JSON.parse(sample.body.toString('utf8')) as {
    comment: { id: number; body: string };
    issue: { number: number };
  };
  const commentId = commentIds++;
  payload.comment.id = commentId;
  payload.comment.body = `@dev ${text}`;
  payload.issue.number = issue;
  const body = Buffer.from(JSON.stringify(payload));
  const headers = deliveryHeaders({
    forge: 'forgejo',
    deliveryId: deliveryIdFor(`workers-${commentId}`),
    body,
    secret: BENCH_SECRET,
    event: 'issue_comment',
    eventType: 'issue_comment',
  });
  return { request: { path: '/webhook', headers, body }, commentId };
}

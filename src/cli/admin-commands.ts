/**
 * The admin actions on the command line: `reset`, `sweep`, `pause`, `resume`,
 * `cancel`. When a running service holds the data dir (`service.pid`), the CLI says so and asks
 * that service through its admin API instead; when none does, it takes the data dir's lock (so no
 * service starts meanwhile) and works on the data dir directly. Either way the action is audited.
 *
 * With `store: postgres` the data dir's lock says nothing about the workers on other machines
 * sharing the database, so the CLI never writes to it directly: every admin action goes through a
 * running worker's admin API (this data dir's, else `server.host:port`), and says so when none answers.
 */
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { createTranscripts } from '../agent/claude/transcripts.js';
import type { Config } from '../config/types.js';
import { localServiceUrl } from './local-url.js';
import { missingStore } from './missing-data-dir.js';
import { describeIssues, pauseScope, pauseSchema, resetSchema } from '../housekeeping/admin-schema.js';
import { reset } from '../housekeeping/reset.js';
import { createSweeper, sweepLimits, sweepStorePorts } from '../housekeeping/sweeper.js';
import { systemClock } from '../lib/clock.js';
import { DataDirLockedError, lockDataDir, SERVICE_URL_FILE } from '../lib/data-dir-lock.js';
import { silentLogger } from '../lib/logger.js';
import { readFileSync } from 'node:fs';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/ports.js';
import { createWorkdirs, type Workdirs } from '../workdir/index.js';
import type { CliIo } from './commands.js';

export interface AdminCall {
  readonly action: string;
  readonly method: 'POST';
  readonly path: string;
  readonly body: Record<string, unknown>;
}

type Answer = { readonly status: number; readonly body: unknown };
interface Direct {
  readonly store: Store;
  readonly workdirs: Workdirs;
}

/** Runs an admin action through the service holding the data dir, or on the data dir itself. */
export async function runAdmin(
  config: Config,
  io: CliIo,
  call: AdminCall,
  direct: (parts: Direct) => Promise<Answer>,
): Promise<number> {
  if (config.store.kind === 'postgres') {
    io.stderr.write(
      "the store is PostgreSQL (other workers may share it), so this goes through a running worker's admin API\n",
    );
    return viaApi(config, io, call);
  }
  // A service that ran on the data dir left its database there: without one there is nothing to act on.
  const missing = missingStore(config);
  if (missing !== undefined) {
    io.stderr.write(`${missing}\n`);
    return 1;
  }
  let lock: ReturnType<typeof lockDataDir>;
  try {
    lock = lockDataDir(config.dataDir);
  } catch (error) {
    if (!(error instanceof DataDirLockedError)) throw error;
    io.stderr.write(`the service (pid ${error.pid}) holds ${config.dataDir}, so this goes through its admin API\n`);
    return viaApi(config, io, call);
  }
  let store: Store;
  try {
    store = await openStore(config.store, { dataDir: config.dataDir, clock: systemClock, dedupWindowMs: 0 });
  } catch (error) {
    lock.release();
    throw error;
  }
  try {
    const workdirs = createWorkdirs({
      dataDir: config.dataDir,
      minFreeBytes: 0,
      forgeUrl: config.forge.url,
      env: io.env,
      log: silentLogger(),
      clock: systemClock,
    });
    const answer = await direct({ store, workdirs }).catch((error: unknown) => ({
      status: 500,
      body: { error: error instanceof Error ? error.message : String(error) },
    }));
    await store.audit.record({
      at: systemClock.now(),
      source: `cli ${safeUser()}`,
      action: call.action,
      params: call.body,
      status: answer.status,
      result: answer.body,
    });
    return print(io, answer);
  } finally {
    await store.close();
    lock.release();
  }
}

async function viaApi(config: Config, io: CliIo, call: AdminCall): Promise<number> {
  if (!config.adminToken) {
    const alternative =
      config.store.kind === 'postgres'
        ? 'with store: postgres the CLI does not write to the database itself'
        : 'stop the service to work on the data dir directly';
    io.stderr.write(
      `cannot ask the running service: no admin token is configured (CLAUDE_HOOKS_ADMIN_TOKEN or adminToken); ${alternative}, or configure a token\n`,
    );
    return 1;
  }
  const base = readServiceUrl(config.dataDir) ?? localServiceUrl(config);
  const response = await fetch(`${base}${call.path}`, {
    method: call.method,
    headers: { authorization: `Bearer ${config.adminToken.reveal()}`, 'content-type': 'application/json' },
    body: JSON.stringify(call.body),
  }).catch((error: unknown) => error as Error);
  if (response instanceof Error) {
    const holder =
      config.store.kind === 'postgres'
        ? 'with store: postgres, admin actions need a running worker, but its'
        : 'the service holds the data dir but its';
    io.stderr.write(`${holder} API at ${base} did not answer (${response.message})\n`);
    return 1;
  }
  return print(io, {
    status: response.status,
    body: await response.json().catch(() => ({ error: `HTTP ${response.status}` })),
  });
}

function print(io: CliIo, answer: Answer): number {
  if (answer.status >= 200 && answer.status < 300) {
    io.stdout.write(`${JSON.stringify(answer.body, null, 2)}\n`);
    return 0;
  }
  const error = (answer.body as { error?: string }).error ?? JSON.stringify(answer.body);
  io.stderr.write(`${error}\n`);
  return 1;
}

function readServiceUrl(dataDir: string): string | undefined {
  try {
    const url = readFileSync(join(dataDir, SERVICE_URL_FILE), 'utf8').trim();
    return /^http:\/\/[^/\s]+$/.test(url) ? url : undefined;
  } catch {
    return undefined;
  }
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

/** Turns `--issue 7` into a number (anything else is passed on for the schema to name). */
function selectorBody(values: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const key of ['agent', 'repo', 'branch', 'scope', 'reason', 'task'] as const)
    if (typeof values[key] === 'string') body[key] = values[key];
  if (typeof values.issue === 'string') body.issue = /^\d+$/.test(values.issue) ? Number(values.issue) : values.issue;
  if (values['dry-run'] === true) body.dryRun = true;
  if (values.force === true) body.force = true;
  return body;
}

export function resetCommand(config: Config, values: Readonly<Record<string, unknown>>, io: CliIo): Promise<number> {
  const body = selectorBody(values);
  return runAdmin(
    config,
    io,
    { action: 'reset', method: 'POST', path: '/admin/reset', body },
    async ({ store, workdirs }) => {
      const parsed = resetSchema.safeParse(body);
      if (!parsed.success) return { status: 400, body: { error: describeIssues(parsed.error) } };
      const result = await reset(
        {
          agents: config.agents,
          workdirs,
          sessions: store.sessions,
          rows: store.housekeepingSessions,
          transcripts: createTranscripts(join(config.dataDir, 'claude')),
          jobs: store.jobs,
          clock: systemClock,
          // No service runs: a job marked running was left by a dead process and is re-queued at start.
          cancelJob: async () => undefined,
          forgeUrl: config.forge.url,
        },
        parsed.data,
      );
      if (result.ok) return { status: 200, body: result.value };
      return { status: result.error.kind === 'running-job' ? 409 : 400, body: { error: result.error.message } };
    },
  );
}

export function sweepCommand(config: Config, values: Readonly<Record<string, unknown>>, io: CliIo): Promise<number> {
  const body = selectorBody(values);
  return runAdmin(
    config,
    io,
    { action: 'sweep', method: 'POST', path: '/admin/sweep', body },
    async ({ store, workdirs }) => {
      const sweeper = createSweeper({
        ...sweepStorePorts(store),
        workdirs,
        transcripts: createTranscripts(join(config.dataDir, 'claude')),
        limits: sweepLimits(config),
        clock: systemClock,
        log: silentLogger(),
      });
      try {
        return {
          status: 200,
          body: await sweeper.sweep({
            dryRun: body.dryRun === true,
            ...(typeof body.task === 'string' ? { task: body.task } : {}),
            trigger: 'cli',
          }),
        };
      } catch (error) {
        return { status: 400, body: { error: error instanceof Error ? error.message : String(error) } };
      }
    },
  );
}

export function pauseCommand(action: 'pause' | 'resume') {
  return (config: Config, values: Readonly<Record<string, unknown>>, io: CliIo): Promise<number> => {
    const body = selectorBody(values);
    return runAdmin(config, io, { action, method: 'POST', path: `/admin/${action}`, body }, async ({ store }) => {
      const parsed = pauseSchema.safeParse(body);
      if (!parsed.success) return { status: 400, body: { error: describeIssues(parsed.error) } };
      const scoped = pauseScope(
        parsed.data,
        config.agents.map((a) => a.name),
        config.forge.url ? new URL(config.forge.url).host : undefined,
      );
      if (!scoped.ok) return { status: 400, body: { error: scoped.error } };
      const { scope } = scoped;
      if (action === 'pause') {
        await store.pauses.pause(scope, parsed.data.reason ?? 'paused by an operator', systemClock.now());
        return { status: 200, body: { paused: scope } };
      }
      return { status: 200, body: { resumed: scope, ...(await store.pauses.resume(scope)) } };
    });
  };
}

export function cancelCommand(config: Config, io: CliIo, positionals: readonly string[]): Promise<number> {
  const raw = positionals[0] ?? '';
  if (!/^\d+$/.test(raw)) {
    io.stderr.write(`usage: claude-hooks cancel <job id> (a positive whole number, got "${raw}")\n`);
    return Promise.resolve(2);
  }
  const id = Number(raw);
  return runAdmin(
    config,
    io,
    { action: 'cancel', method: 'POST', path: `/admin/jobs/${id}/cancel`, body: {} },
    async ({ store }) => {
      if (await store.jobs.cancelQueued(id, 'cancelled by an operator', systemClock.now()))
        return { status: 200, body: { job: id, cancelled: 'queued' } };
      // With several workers a running job is another worker's: it is asked to stop it.
      if (config.store.kind === 'postgres' && (await store.jobs.requestCancel(id, 'cancelled by an operator'))) {
        return {
          status: 202,
          body: {
            job: id,
            cancelled: 'requested',
            note: `job ${id} runs on another worker, which was asked to stop it: it ends as cancelled within seconds`,
          },
        };
      }
      const job = await store.jobs.getJob(id);
      return job
        ? {
            status: 409,
            body: { error: `job ${id} is ${job.state}; only a queued job can be cancelled while the service is down` },
          }
        : { status: 404, body: { error: `no job ${id}` } };
    },
  );
}

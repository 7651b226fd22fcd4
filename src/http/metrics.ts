/**
 * Prometheus metrics on a registry of our own (never prom-client's global one), created by the
 * composition root and handed to whoever records. `GET /metrics` renders it.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { Secret } from '../lib/secret.js';
import type { DispatchNotice } from '../queue/dispatch-types.js';
import type { RunRecords } from '../sessions/ports.js';
import { bearerToken, tokenDigest, tokenMatches } from '../lib/token-match.js';

export interface Metrics {
  readonly registry: Registry;
  /** Deliveries by forge, event type and outcome (accepted, ignored, duplicate, rejected:<why>). */
  readonly deliveries: Counter<'forge' | 'event' | 'outcome'>;
  /** Time from the request's arrival to its answer, for POST /webhook. */
  readonly intakeSeconds: Histogram<'outcome'>;
  /** Jobs that ended, by agent and outcome (succeeded, failed, retry). */
  readonly jobsFinished: Counter<'agent' | 'outcome'>;
  /** How long job runs took, by agent. */
  readonly jobSeconds: Histogram<'agent'>;
  /** Jobs now queued and running, read from the store at each scrape. */
  readonly jobs: Gauge<'state'>;
  /** Agent runs that ended, by agent and the run's outcome (succeeded, failed, max-turns, …). */
  readonly runs: Counter<'agent' | 'outcome'>;
  /** How long agent runs took (the model's part), by agent. */
  readonly runSeconds: Histogram<'agent'>;
  /** Model cost of agent runs, by agent. */
  readonly costUsd: Counter<'agent'>;
  /** Bytes under the data dir by kind (caches, worktrees, attic, transcripts, database), at the last measurement. */
  readonly diskBytes: Gauge<'kind'>;
  /** Bytes the sweeper reclaimed; counted by housekeeping. */
  readonly sweeperReclaimedBytes: Counter;
  /** Sweeper failures, by kind of target; counted by housekeeping. */
  readonly sweeperFailures: Counter<'kind'>;
}

export interface MetricsOptions {
  readonly defaultMetrics?: boolean;
  /** Reads how many jobs are in each state, at each scrape. */
  readonly jobCounts?: () => Promise<Readonly<Record<string, number>>>;
}

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'claude_hooks_' });
  return {
    registry,
    deliveries: new Counter({
      name: 'claude_hooks_deliveries_total',
      help: 'Webhook deliveries received, by forge, event type and outcome.',
      labelNames: ['forge', 'event', 'outcome'],
      registers: [registry],
    }),
    intakeSeconds: new Histogram({
      name: 'claude_hooks_intake_duration_seconds',
      help: 'Time to answer a webhook delivery, including the durable commit.',
      labelNames: ['outcome'],
      buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    jobsFinished: new Counter({
      name: 'claude_hooks_jobs_finished_total',
      help: 'Agent jobs that ended, by agent and outcome.',
      labelNames: ['agent', 'outcome'],
      registers: [registry],
    }),
    jobSeconds: new Histogram({
      name: 'claude_hooks_job_duration_seconds',
      help: 'Time an agent job ran (worktree preparation included).',
      labelNames: ['agent'],
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600],
      registers: [registry],
    }),
    jobs: new Gauge({
      name: 'claude_hooks_jobs',
      help: 'Agent jobs queued and running now.',
      labelNames: ['state'],
      registers: [registry],
      async collect() {
        const counts = (await options.jobCounts?.()) ?? {};
        for (const state of ['queued', 'running']) this.set({ state }, counts[state] ?? 0);
      },
    }),
    runs: new Counter({
      name: 'claude_hooks_runs_total',
      help: 'Agent runs that ended, by agent and outcome.',
      labelNames: ['agent', 'outcome'],
      registers: [registry],
    }),
    runSeconds: new Histogram({
      name: 'claude_hooks_run_duration_seconds',
      help: 'Time an agent run took, by agent.',
      labelNames: ['agent'],
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600],
      registers: [registry],
    }),
    costUsd: new Counter({
      name: 'claude_hooks_cost_usd_total',
      help: 'Model cost of agent runs in US dollars, by agent.',
      labelNames: ['agent'],
      registers: [registry],
    }),
    diskBytes: new Gauge({
      name: 'claude_hooks_disk_bytes',
      help: 'Bytes under the data dir by kind, at the last background measurement.',
      labelNames: ['kind'],
      registers: [registry],
    }),
    sweeperReclaimedBytes: new Counter({
      name: 'claude_hooks_sweeper_reclaimed_bytes_total',
      help: 'Bytes the sweeper reclaimed.',
      registers: [registry],
    }),
    sweeperFailures: new Counter({
      name: 'claude_hooks_sweeper_failures_total',
      help: 'Sweeper failures, by kind of target.',
      labelNames: ['kind'],
      registers: [registry],
    }),
  };
}

/**
 * `GET /metrics` behind `server.metricsToken`: the scrape names agents, repositories' activity
 * and costs, so an installation reachable from outside can ask Prometheus for a bearer token.
 * Open when no token is configured, as before. Compared like the admin token (`lib/token-match.ts`).
 */
export function metricsGuard(
  token: Secret | undefined,
): (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined> {
  const expected = token && tokenDigest(token.reveal());
  return async (request, reply) => {
    if (!expected) return undefined;
    if (tokenMatches(bearerToken(request.headers.authorization), expected)) return undefined;
    return reply.code(401).header('www-authenticate', 'Bearer realm="metrics"').send({
      error:
        'missing or wrong metrics token: send "Authorization: Bearer <server.metricsToken>" (in Prometheus: authorization.credentials_file)',
      reason: 'unauthorized',
    });
  };
}

/**
 * A dispatcher listener that counts each finished job (by agent and outcome, with its time) and
 * its run — outcome, duration and cost, read from the run's record.
 */
export function countJobs(options: {
  readonly metrics: Metrics;
  readonly runs: Pick<RunRecords, 'get'>;
  readonly clock: Clock;
  readonly log: Logger;
}): (notice: DispatchNotice) => void {
  const { metrics, runs, clock, log } = options;
  const countRun = async (runId: number) => {
    const run = await runs.get(runId);
    if (!run) return;
    const agent = run.key.agent;
    metrics.runs.inc({ agent, outcome: run.outcome ?? 'unknown' });
    if (run.durationMs !== undefined) metrics.runSeconds.observe({ agent }, run.durationMs / 1000);
    if (run.costUsd) metrics.costUsd.inc({ agent }, run.costUsd);
  };
  return (notice) => {
    if (notice.type !== 'job-finished') return;
    const outcome = notice.outcome.ok ? 'succeeded' : notice.outcome.retryable ? 'failed-retryable' : 'failed';
    metrics.jobsFinished.inc({ agent: notice.job.key.agent, outcome });
    if (notice.job.startedAt !== null)
      metrics.jobSeconds.observe({ agent: notice.job.key.agent }, (clock.now() - notice.job.startedAt) / 1000);
    const runId = notice.outcome.facts?.runId;
    if (runId !== undefined)
      countRun(runId).catch((error: unknown) =>
        log.warn({ err: error, runId }, 'could not read a run record for the metrics'),
      );
  };
}

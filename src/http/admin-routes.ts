/**
 * The admin API: actions under `/admin/*`, each written to the audit (when,
 * from where, what, result) whatever its answer; reads under `/api/*`. All behind the admin
 * token (`admin-auth.ts`). Bodies are validated by the schemas in `housekeeping/admin-schema.ts`;
 * every problem is named in one 400.
 */
import type { CancelAnswer } from '../queue/dispatcher.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { auditedAction, parseBody as parse, type Answer } from './audited.js';
import { pauseScope, pauseSchema, resetSchema, sweepSchema, type PauseRequest } from '../housekeeping/admin-schema.js';
import type { AuditLog, DispatchPauses, SweepRecords } from '../housekeeping/ports.js';
import { reset, type ResetDeps } from '../housekeeping/reset.js';
import type { Clock } from '../lib/clock.js';
import type { Secret } from '../lib/secret.js';
import type { SessionStore } from '../sessions/ports.js';
import type { Workdirs } from '../workdir/index.js';
import { adminGuard } from './admin-auth.js';

export interface AdminRoutesOptions {
  readonly adminToken: Secret | undefined;
  readonly resetDeps: ResetDeps;
  readonly cancelJob: (id: number, reason: string) => Promise<CancelAnswer>;
  readonly pauses: DispatchPauses;
  /** Dispatch looks again (after a resume). */
  readonly resumed: () => void;
  /** The forge host work keys carry (`host/owner/name`), for a one-key pause. */
  readonly forgeHost: string | undefined;
  readonly sessions: Pick<SessionStore, 'list'>;
  readonly workdirs: Pick<Workdirs, 'list' | 'diskUsage'>;
  readonly sweeps: SweepRecords;
  readonly audit: AuditLog;
  /** Runs a sweep now (the same report as `claude-hooks sweep`); absent until the sweeper is wired. */
  readonly sweep?: (options: { readonly dryRun: boolean; readonly task?: string }) => Promise<unknown>;
  readonly clock: Clock;
}

export function adminRoutes(options: AdminRoutesOptions) {
  return (app: FastifyInstance) => {
    const preHandler = adminGuard(options.adminToken);

    /** Runs an action and writes its audit record, with the status it was answered with. */
    const audited = auditedAction(options);

    app.post(
      '/admin/reset',
      { preHandler },
      audited('reset', async (request) => {
        const body = parse(resetSchema, request.body);
        if (!body.ok) return body.answer;
        const result = await reset(options.resetDeps, body.value);
        if (result.ok) return { status: 200, body: result.value };
        if (result.error.kind === 'running-job')
          return { status: 409, body: { error: result.error.message, reason: 'running-job', jobs: result.error.jobs } };
        return { status: 400, body: { error: result.error.message, reason: result.error.kind } };
      }),
    );

    app.post<{ Params: { id: string } }>(
      '/admin/jobs/:id/cancel',
      { preHandler },
      audited('cancel', async (request) => {
        const raw = (request.params as { id: string }).id;
        const id = Number(raw);
        if (!/^\d+$/.test(raw) || id < 1)
          return {
            status: 400,
            body: { error: `job id must be a positive whole number, got "${raw}"`, reason: 'bad-id' },
          };
        const was = await options.cancelJob(id, 'cancelled by an operator');
        if (was === 'not-found') return { status: 404, body: { error: `no job ${id}`, reason: 'not-found' } };
        if (was === 'finished')
          return { status: 409, body: { error: `job ${id} has already ended; nothing to cancel`, reason: 'finished' } };
        if (was === 'requested')
          return {
            status: 202,
            body: {
              job: id,
              cancelled: was,
              note: `job ${id} runs on another worker, which was asked to stop it: it ends as cancelled within seconds (GET /api/jobs shows when)`,
            },
          };
        return { status: 200, body: { job: id, cancelled: was } };
      }),
    );

    const pauseRoute = (path: string, action: 'pause' | 'resume') =>
      app.post(
        path,
        { preHandler },
        audited(action, async (request) => {
          const body = parse(pauseSchema, request.body ?? {});
          if (!body.ok) return body.answer;
          const scope = scopeOf(body.value, options);
          if (typeof scope !== 'string') return scope;
          if (action === 'pause') {
            await options.pauses.pause(scope, body.value.reason ?? 'paused by an operator', options.clock.now());
            return {
              status: 200,
              body: {
                paused: scope,
                note: 'deliveries are still stored; no job of this scope starts until it is resumed',
              },
            };
          }
          const lifted = await options.pauses.resume(scope);
          options.resumed();
          return { status: 200, body: { resumed: scope, ...lifted } };
        }),
      );
    pauseRoute('/admin/pause', 'pause');
    pauseRoute('/admin/resume', 'resume');

    app.post(
      '/admin/sweep',
      { preHandler },
      audited('sweep', async (request) => {
        if (!options.sweep)
          return { status: 503, body: { error: 'the sweeper is not running in this service', reason: 'no-sweeper' } };
        // No body at all is a sweep of every task, for real.
        const parsed = parse(sweepSchema, request.body ?? {});
        if (!parsed.ok) return parsed.answer;
        const { dryRun, task } = parsed.value;
        return { status: 200, body: await options.sweep({ dryRun: dryRun === true, ...(task ? { task } : {}) }) };
      }),
    );

    const limitOf = (request: FastifyRequest, reply: FastifyReply): number | undefined => {
      const raw = (request.query as { limit?: string }).limit;
      const limit = raw === undefined ? 100 : Number(raw);
      if (Number.isInteger(limit) && limit >= 1 && limit <= 1000) return limit;
      void reply.code(400).send({ error: 'limit must be a whole number from 1 to 1000', reason: 'bad-query' });
      return undefined;
    };
    app.get('/api/sessions', { preHandler }, async (request, reply) => {
      const limit = limitOf(request, reply);
      if (limit === undefined) return reply;
      return { sessions: await options.sessions.list({ limit }) };
    });
    app.get('/api/worktrees', { preHandler }, async () => {
      const [worktrees, cached] = await Promise.all([
        options.workdirs.list(),
        options.workdirs.diskUsage({ maxAgeMs: Number.MAX_SAFE_INTEGER }),
      ]);
      // The last measurement (the dashboard's background sampler takes one every few minutes); a
      // worktree made since is not in it, and only then is the data dir measured again.
      const measured = new Set(cached.worktrees.map((w) => w.id));
      const usage = worktrees.every((w) => measured.has(w.id))
        ? cached
        : await options.workdirs.diskUsage({ maxAgeMs: 0 });
      const bytes = new Map(usage.worktrees.map((w) => [w.id, w.bytes]));
      return {
        measuredAt: usage.measuredAt,
        freeBytes: usage.freeBytes,
        worktrees: worktrees.map((w) => ({ ...w, bytes: bytes.get(w.id) ?? null })),
      };
    });
    app.get('/api/sweeps', { preHandler }, async (request, reply) => {
      const limit = limitOf(request, reply);
      if (limit === undefined) return reply;
      return { sweeps: await options.sweeps.list(limit) };
    });
    app.get('/api/audit', { preHandler }, async (request, reply) => {
      const limit = limitOf(request, reply);
      if (limit === undefined) return reply;
      return { audit: await options.audit.list(limit) };
    });
  };
}

function scopeOf(body: PauseRequest, options: AdminRoutesOptions): string | Answer {
  const scope = pauseScope(
    body,
    options.resetDeps.agents.map((a) => a.name),
    options.forgeHost,
  );
  return scope.ok ? scope.scope : { status: 400, body: { error: scope.error, reason: scope.reason } };
}

/**
 * The milestones on the operator API (docs/milestones.md): `GET /api/milestones` (each
 * milestone's report, `milestones/report.ts`), `GET /api/milestones/:repo/:number` (one, `:repo` the url-encoded
 * `owner/name`), and `POST /admin/milestones/:repo/:number/pause` and `/resume`. A pause stops
 * new stories of the milestone from starting — the ones in flight finish — and is kept in the
 * store, where the milestone's driver reads it; the driver is told to rebuild the milestone at
 * once (`touched`), so a resume starts its ready stories without waiting for the next event.
 * Behind the admin token; the actions are audited.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AuditLog } from '../housekeeping/ports.js';
import type { Clock } from '../lib/clock.js';
import type { Secret } from '../lib/secret.js';
import { loadMilestoneReport, loadMilestoneReports, type MilestoneReads } from '../dashboard/milestone-reads.js';
import { findMilestone } from '../milestones/names.js';
import type { MilestoneStore } from '../milestones/ports.js';
import { milestoneName, pauseNote } from '../milestones/report.js';
import { adminGuard } from './admin-auth.js';
import { auditedAction, parseBody, type Answer } from './audited.js';

export interface MilestonesRouteOptions {
  readonly adminToken: Secret | undefined;
  readonly reads: MilestoneReads;
  readonly milestones: Pick<MilestoneStore, 'setPaused'>;
  /** Told of a pause or a resume once it is stored: the driver rebuilds the milestone at once. */
  readonly touched?: (repo: string, tracking: number) => void;
  readonly audit: AuditLog;
  readonly clock: Clock;
}

type Params = { readonly repo: string; readonly number: string };

/** A pause or a resume takes no fields; anything given is named as unknown. */
const pauseBody = z.strictObject({});

export function milestonesRoute(options: MilestonesRouteOptions) {
  return (app: FastifyInstance) => {
    const preHandler = adminGuard(options.adminToken);
    const audited = auditedAction(options);

    /** The milestone the path names, or the answer saying why there is none. */
    const named = async (params: Params) => {
      const tracking = /^[1-9]\d{0,9}$/.test(params.number) ? Number(params.number) : Number.NaN;
      if (Number.isNaN(tracking))
        return answer(400, `the tracking issue must be a positive whole number, got "${params.number}"`, 'bad-id');
      const found = await findMilestone(options.reads.milestones, params.repo, tracking);
      if (!found.ok) return answer(found.reason === 'not-found' ? 404 : 400, found.message, found.reason);
      return found.milestone;
    };

    app.get('/api/milestones', { preHandler }, async () => ({
      milestones: await loadMilestoneReports(options.reads),
    }));

    app.get<{ Params: Params }>('/api/milestones/:repo/:number', { preHandler }, async (request, reply) => {
      const milestone = await named(request.params);
      if ('status' in milestone) return reply.code(milestone.status).send(milestone.body);
      const report = await loadMilestoneReport(options.reads, milestone);
      if (!report)
        return reply.code(404).send({ error: `no milestone ${milestoneName(milestone)}`, reason: 'not-found' });
      return { milestone: report };
    });

    for (const action of ['pause', 'resume'] as const) {
      app.post<{ Params: Params }>(
        `/admin/milestones/:repo/:number/${action}`,
        { preHandler },
        audited(`milestone ${action}`, async (request) => {
          const body = parseBody(pauseBody, request.body ?? {});
          if (!body.ok) return body.answer;
          const milestone = await named(request.params as Params);
          if ('status' in milestone) return milestone;
          const paused = action === 'pause';
          await options.milestones.setPaused(milestone.repo, milestone.tracking, paused, options.clock.now());
          options.touched?.(milestone.repo, milestone.tracking);
          return {
            status: 200,
            body: {
              milestone: milestoneName(milestone),
              paused,
              note: pauseNote(paused),
            },
          };
        }),
      );
    }
  };
}

const answer = (status: number, error: string, reason: string): Answer => ({ status, body: { error, reason } });

/** `GET /api/jobs?state=queued,running&limit=50`: the operator's view of the dispatch queue. */
import type { FastifyInstance } from 'fastify';
import { JOB_STATES, type JobState } from '../queue/job-state.js';
import { listJobViews } from '../queue/job-view.js';
import type { JobStore } from '../queue/ports.js';
import type { Secret } from '../lib/secret.js';
import { adminGuard } from './admin-auth.js';

export function jobsRoute(options: { store: JobStore; adminToken: Secret | undefined }) {
  return (app: FastifyInstance) => {
    app.get<{ Querystring: { state?: string; limit?: string } }>('/api/jobs', { preHandler: adminGuard(options.adminToken) }, async (request, reply) => {
      const states = (request.query.state ?? '').split(',').filter((s) => s !== '');
      const unknown = states.filter((s) => !(JOB_STATES as readonly string[]).includes(s));
      if (unknown.length > 0) return reply.code(400).send({ error: `unknown job state(s): ${unknown.join(', ')}; expected ${JOB_STATES.join(', ')}`, reason: 'bad-query' });
      const limit = request.query.limit === undefined ? 100 : Number(request.query.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return reply.code(400).send({ error: 'limit must be a whole number from 1 to 1000', reason: 'bad-query' });
      return { jobs: await listJobViews(options.store, { states: states as JobState[], limit }) };
    });
  };
}

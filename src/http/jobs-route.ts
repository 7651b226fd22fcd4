/** `GET /api/jobs?state=queued&state=running&limit=50`: the operator's view of the dispatch queue. */
import type { FastifyInstance } from 'fastify';
import { parseJobQuery } from '../queue/job-query.js';
import { listJobViews } from '../queue/job-view.js';
import type { JobStore } from '../queue/ports.js';
import type { Secret } from '../lib/secret.js';
import { adminGuard } from './admin-auth.js';

export function jobsRoute(options: { store: JobStore; adminToken: Secret | undefined }) {
  return (app: FastifyInstance) => {
    app.get<{ Querystring: { state?: string | string[]; limit?: string | string[] } }>(
      '/api/jobs',
      { preHandler: adminGuard(options.adminToken) },
      async (request, reply) => {
        const { state, limit } = request.query;
        if (Array.isArray(limit))
          return reply.code(400).send({ error: 'limit is given more than once', reason: 'bad-query' });
        const query = parseJobQuery({ state, limit }, { defaultLimit: 100, maxLimit: 1000 });
        if (!query.ok) return reply.code(400).send({ error: query.error, reason: 'bad-query' });
        return { jobs: await listJobViews(options.store, query.value) };
      },
    );
  };
}

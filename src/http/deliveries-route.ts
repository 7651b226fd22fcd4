/**
 * `GET /api/deliveries?limit=50`: what the forge sent and what became of it, newest first, with
 * each agent's decision and its reason (the same words as `claude-hooks deliveries`).
 */
import type { FastifyInstance } from 'fastify';
import { describeOutcome } from '../intake/describe-routing.js';
import type { DeliveryHistory } from '../intake/ports.js';
import type { Secret } from '../lib/secret.js';
import { adminGuard } from './admin-auth.js';

export function deliveriesRoute(options: { history: DeliveryHistory; adminToken: Secret | undefined }) {
  return (app: FastifyInstance) => {
    app.get<{ Querystring: { limit?: string } }>(
      '/api/deliveries',
      { preHandler: adminGuard(options.adminToken) },
      async (request, reply) => {
        const limit = request.query.limit === undefined ? 50 : Number(request.query.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
          return reply.code(400).send({ error: 'limit must be a whole number from 1 to 1000', reason: 'bad-query' });
        const deliveries = await options.history.recent(limit);
        return { deliveries: deliveries.map((delivery) => ({ ...delivery, became: describeOutcome(delivery) })) };
      },
    );
  };
}

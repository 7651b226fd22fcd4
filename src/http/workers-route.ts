/**
 * `GET /api/workers`: who is alive, what each runs, which run-once tasks it leads and its disk
 * (several workers on PostgreSQL; with the embedded store, the one process). Admin token, like
 * `/api/jobs`.
 */
import type { FastifyInstance } from 'fastify';
import type { Clock } from '../lib/clock.js';
import type { Secret } from '../lib/secret.js';
import type { WorkerRegistry } from '../workers/ports.js';
import { adminGuard } from './admin-auth.js';

export function workersRoute(options: {
  workers: WorkerRegistry;
  adminToken: Secret | undefined;
  clock: Clock;
  self: string;
}) {
  return (app: FastifyInstance) => {
    app.get('/api/workers', { preHandler: adminGuard(options.adminToken) }, async () => {
      const workers = await options.workers.list(options.clock.now());
      return { self: options.self, workers };
    });
  };
}

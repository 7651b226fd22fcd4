/**
 * The pull requests the service sees through to the merge, on the operator API
 * (docs/until-merged.md, "Seeing it"): `GET /api/pulls` answers `{pulls}`, each a `PullView`
 * (`pulls/pull-view.ts`) — the open ones, or with `?all=true` the merged and closed ones the store
 * still keeps too, open ones first. The same views as `claude-hooks prs`. Behind the admin token.
 */
import type { FastifyInstance } from 'fastify';
import type { Secret } from '../lib/secret.js';
import type { PullWatchStore } from '../pulls/ports.js';
import { pullView } from '../pulls/pull-view.js';
import { adminGuard } from './admin-auth.js';

export interface PullsRouteOptions {
  readonly adminToken: Secret | undefined;
  readonly pulls: Pick<PullWatchStore, 'listWatched'>;
  /** `pulls.fixAttempts`: the cap the attempts are counted against. */
  readonly cap: number;
}

export function pullsRoute(options: PullsRouteOptions) {
  return (app: FastifyInstance) => {
    app.get<{ Querystring: { all?: string | string[] } }>(
      '/api/pulls',
      { preHandler: adminGuard(options.adminToken) },
      async (request, reply) => {
        const { all } = request.query;
        if (all !== undefined && all !== 'true' && all !== 'false')
          return reply.code(400).send({ error: 'all must be true or false, given once', reason: 'bad-query' });
        const pulls = await options.pulls.listWatched({ open: all !== 'true' });
        return { pulls: pulls.map((pull) => pullView(pull, options.cap)) };
      },
    );
  };
}

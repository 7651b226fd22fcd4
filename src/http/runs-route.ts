/**
 * `GET /api/runs?agent=dev&limit=50` and `GET /api/runs/:id`: what each agent run did — session,
 * prompt, turns, tokens, cost, outcome, tool calls, forge changes, how it was isolated
 * (`isolation`) and what its sandbox refused (`blocked`); a run from before sandboxing has neither
 * field. The list leaves the prompt text out; one run carries it (secrets were redacted before it
 * was stored).
 */
import type { FastifyInstance } from 'fastify';
import type { Secret } from '../lib/secret.js';
import type { RunRecord, RunRecords } from '../sessions/ports.js';
import { adminGuard } from './admin-auth.js';

export function runsRoute(options: { runs: RunRecords; adminToken: Secret | undefined }) {
  return (app: FastifyInstance) => {
    const preHandler = adminGuard(options.adminToken);
    app.get<{ Querystring: { agent?: string; limit?: string } }>(
      '/api/runs',
      { preHandler },
      async (request, reply) => {
        const limit = request.query.limit === undefined ? 50 : Number(request.query.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
          return reply.code(400).send({ error: 'limit must be a whole number from 1 to 1000', reason: 'bad-query' });
        const runs = await options.runs.list({ agent: request.query.agent, limit });
        return { runs: runs.map(withoutPromptText) };
      },
    );
    app.get<{ Params: { id: string } }>('/api/runs/:id', { preHandler }, async (request, reply) => {
      const id = Number(request.params.id);
      if (!Number.isInteger(id) || id < 1)
        return reply
          .code(400)
          .send({ error: `run id must be a positive whole number, got "${request.params.id}"`, reason: 'bad-id' });
      const run = await options.runs.get(id);
      if (!run) return reply.code(404).send({ error: `no run ${id}`, reason: 'not-found' });
      return { run };
    });
  };
}

export function withoutPromptText(run: RunRecord): RunRecord {
  return run.prompt ? { ...run, prompt: { ...run.prompt, text: '' } } : run;
}

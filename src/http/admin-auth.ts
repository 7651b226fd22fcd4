/**
 * Bearer-token authentication for the operator API. With no admin token configured the API is
 * closed (403, saying how to open it) rather than open: it can reset agents' work.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Secret } from '../lib/secret.js';

export function adminGuard(token: Secret | undefined) {
  const expected = token && createHash('sha256').update(token.reveal()).digest();
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (!expected) {
      return reply.code(403).send({ error: 'the operator API is disabled: set CLAUDE_HOOKS_ADMIN_TOKEN (adminToken) to enable it', reason: 'no-admin-token' });
    }
    const header = request.headers.authorization ?? '';
    const given = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
    if (!timingSafeEqual(createHash('sha256').update(given).digest(), expected)) {
      return reply.code(401).send({ error: 'missing or wrong admin token: send "Authorization: Bearer <CLAUDE_HOOKS_ADMIN_TOKEN>"', reason: 'unauthorized' });
    }
    return undefined;
  };
}

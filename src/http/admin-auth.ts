/**
 * Bearer-token authentication for the operator API. With no admin token configured the API is
 * closed (403, saying how to open it) rather than open: it can reset agents' work.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Secret } from '../lib/secret.js';
import { bearerToken, tokenDigest, tokenMatches } from '../lib/token-match.js';

export function adminGuard(token: Secret | undefined) {
  const expected = token && tokenDigest(token.reveal());
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (!expected) {
      return reply.code(403).send({
        error: 'the operator API is disabled: set CLAUDE_HOOKS_ADMIN_TOKEN (adminToken) to enable it',
        reason: 'no-admin-token',
      });
    }
    if (!tokenMatches(bearerToken(request.headers.authorization), expected)) {
      return reply.code(401).send({
        error: 'missing or wrong admin token: send "Authorization: Bearer <CLAUDE_HOOKS_ADMIN_TOKEN>"',
        reason: 'unauthorized',
      });
    }
    return undefined;
  };
}

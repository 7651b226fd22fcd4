/**
 * An admin action's handler, audited: whatever it answers — or throws, turned into an answer by
 * `error-answers.ts` — is written to the audit log (when, from where, what, the status and the
 * result) before it is sent. Every `/admin/*` route goes through it.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { describeIssues } from '../housekeeping/admin-schema.js';
import type { AuditLog } from '../housekeeping/ports.js';
import type { Clock } from '../lib/clock.js';
import { isRecord } from '../lib/is-record.js';
import { answerForError } from './error-answers.js';

export type Answer = { readonly status: number; readonly body: unknown };

export function auditedAction(options: { readonly audit: AuditLog; readonly clock: Clock }) {
  return (action: string, handler: (request: FastifyRequest) => Promise<Answer>) =>
    async (request: FastifyRequest, reply: FastifyReply) => {
      let answer: Answer;
      try {
        answer = await handler(request);
      } catch (error) {
        answer = answerForError(action, error);
      }
      await options.audit.record({
        at: options.clock.now(),
        source: `api ${request.ip}`,
        action,
        params: { ...(request.params as object), ...(isRecord(request.body) ? request.body : {}) },
        status: answer.status,
        result: answer.body,
      });
      return reply.code(answer.status).send(answer.body);
    };
}

/** A JSON object body validated by `schema`; else the one 400 naming every problem. */
export function parseBody<T>(
  schema: z.ZodType<T>,
  body: unknown,
): { ok: true; value: T } | { ok: false; answer: Answer } {
  if (!isRecord(body))
    return {
      ok: false,
      answer: { status: 400, body: { error: 'the body must be a JSON object', reason: 'bad-body' } },
    };
  const parsed = schema.safeParse(body);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, answer: { status: 400, body: { error: describeIssues(parsed.error), reason: 'bad-body' } } };
}

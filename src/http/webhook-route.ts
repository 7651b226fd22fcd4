/**
 * `POST /webhook`: raw body in, status out. The body is read as bytes (the signature covers the
 * exact bytes), handed to the intake, and the intake's outcome is mapped to a status code here,
 * once. The route runs in its own Fastify scope so its raw-body parser does not leak to the API.
 *
 * A request whose headers alone decide its rejection — not a forge's, or no signature that could
 * match any body — is answered before its body is read, and its connection closed, so unsigned
 * bodies are never buffered (docs/decisions.md §18: 400 unsigned 5 MiB bodies took 2.1 GiB).
 * The intake still words the rejection: it is handed an empty body, which it refuses on the
 * headers before looking at it.
 *
 * The headers are read once per request, when it arrives, and that reading serves the early
 * rejection, the metric labels and the intake. Counting and logging a delivery come after its
 * answer is written: the forge waits for the durable store only (docs/decisions.md §6).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { readDeliveryHeaders } from '../forge/webhook/headers.js';
import type { AcceptDelivery, HeaderReading, IntakeOutcome, RejectionReason } from '../intake/accept-delivery.js';
import { isSignatureShaped } from '../intake/verify-signature.js';
import type { Logger } from '../lib/logger.js';
import { deliveryLabels } from './delivery-labels.js';
import type { Metrics } from './metrics.js';

export interface WebhookRouteOptions {
  readonly acceptDelivery: AcceptDelivery;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly bodyLimitBytes: number;
}

const REJECTION_STATUS: Record<RejectionReason, number> = {
  'bad-headers': 400,
  unsigned: 401,
  'bad-signature': 401,
  'not-json': 400,
  'bad-payload': 400,
};

export function registerWebhookRoute(app: FastifyInstance, options: WebhookRouteOptions): void {
  // biome-ignore lint/nursery/noMisusedPromises: fastify awaits an async plugin (its documented form)
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: options.bodyLimitBytes }, (_req, body, done) =>
      done(null, body),
    );

    /** Each request's header reading, from its arrival (`onRequest`) to its answer. */
    const readings = new WeakMap<FastifyRequest, HeaderReading>();
    const readingOf = (request: FastifyRequest): HeaderReading => {
      let read = readings.get(request);
      if (read === undefined) {
        read = readDeliveryHeaders(request.headers);
        readings.set(request, read);
      }
      return read;
    };

    const answer = async (request: FastifyRequest, reply: FastifyReply, body: Buffer) => {
      const started = process.hrtime.bigint();
      const read = readingOf(request);
      let outcome: IntakeOutcome;
      try {
        outcome = await options.acceptDelivery(request.headers, body, read);
      } catch (error) {
        options.log.error({ err: error }, 'could not store a delivery');
        options.metrics.deliveries.inc({ ...deliveryLabels(read), outcome: 'error' });
        return reply
          .code(503)
          .send({ error: 'the delivery could not be stored; see the service log', reason: 'store-failed' });
      }
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      send(reply, outcome);
      const label = outcomeLabel(outcome);
      options.metrics.deliveries.inc({ ...deliveryLabels(read), outcome: label });
      options.metrics.intakeSeconds.observe({ outcome: label }, seconds);
      logOutcome(options.log, outcome);
      return reply;
    };

    scope.addHook('onRequest', async (request, reply) => {
      if (request.method !== 'POST') return;
      const read = readingOf(request);
      if (read.ok && isSignatureShaped(read.value.signature)) return;
      reply.header('connection', 'close');
      return answer(request, reply, Buffer.alloc(0));
    });

    scope.post('/webhook', async (request, reply) =>
      answer(request, reply, Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0)),
    );
  });
}

function send(reply: FastifyReply, outcome: IntakeOutcome) {
  switch (outcome.kind) {
    case 'accepted':
      return reply.code(202).send({ delivery: outcome.deliveryId, event: outcome.eventId });
    case 'ignored':
      return reply.code(202).send({ delivery: outcome.deliveryId, ignored: outcome.reason });
    case 'duplicate':
      return reply.code(200).send({
        delivery: outcome.deliveryId,
        duplicate: true,
        ...(outcome.originalDeliveryId ? { sameEventAs: outcome.originalDeliveryId } : {}),
      });
    case 'rejected':
      return reply
        .code(REJECTION_STATUS[outcome.reason])
        .send({ error: outcome.message, reason: outcome.reason, ...(outcome.field ? { field: outcome.field } : {}) });
  }
}

function outcomeLabel(outcome: IntakeOutcome): string {
  return outcome.kind === 'rejected' ? `rejected:${outcome.reason}` : outcome.kind;
}

/** One line per delivery, its context as fields (no child logger to build for a single line). */
function logOutcome(log: Logger, outcome: IntakeOutcome): void {
  if (outcome.kind === 'accepted') {
    const { event } = outcome;
    log.info(
      {
        delivery: outcome.deliveryId,
        forge: event.forge,
        event: event.type,
        repo: event.repo.fullName,
        eventId: outcome.eventId,
      },
      'delivery accepted',
    );
    return;
  }
  if (outcome.kind === 'rejected') {
    log.warn(
      {
        forge: outcome.forge,
        event: outcome.eventType,
        reason: outcome.reason,
        field: outcome.field,
        detail: outcome.message,
      },
      'delivery rejected',
    );
    return;
  }
  const context = { delivery: outcome.deliveryId, forge: outcome.forge, event: outcome.eventType };
  if (outcome.kind === 'ignored') log.info({ ...context, reason: outcome.reason }, 'delivery ignored');
  else log.info({ ...context, sameEventAs: outcome.originalDeliveryId }, 'duplicate delivery');
}

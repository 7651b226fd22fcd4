/**
 * The HTTP surface, built without listening (tests use `inject`). Every route module registers
 * itself; this file only sets what is common: limits, error shape, health and metrics.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import type { AcceptDelivery } from '../intake/accept-delivery.js';
import type { Logger } from '../lib/logger.js';
import { formatBytes } from '../lib/format-bytes.js';
import { DEFAULT_CONNECTION_LIMITS, serverOptions, type ConnectionLimits } from './connection-limits.js';
import type { Secret } from '../lib/secret.js';
import { publicReadiness, readinessLog, runChecks, type ReadinessCheck } from './health.js';
import { metricsGuard, type Metrics } from './metrics.js';
import { registerWebhookRoute } from './webhook-route.js';

export interface HttpAppOptions {
  readonly acceptDelivery: AcceptDelivery;
  readonly metrics: Metrics;
  readonly readiness: readonly ReadinessCheck[];
  readonly log: Logger;
  readonly bodyLimitBytes: number;
  /** `server.metricsToken`: when set, `GET /metrics` asks for `Authorization: Bearer <token>`; open when absent. */
  readonly metricsToken?: Secret;
  /** Timeouts and the connection cap; the defaults of `server.*` when absent. */
  readonly connections?: ConnectionLimits;
  /** Further routes (operator API, admin, dashboard), registered after the built-in ones. */
  readonly routes?: ReadonlyArray<(app: FastifyInstance) => void>;
}

export function buildHttpApp(options: HttpAppOptions): FastifyInstance {
  const connections = options.connections ?? DEFAULT_CONNECTION_LIMITS;
  const app = Fastify({
    ...serverOptions(connections),
    // pino's Logger is a FastifyBaseLogger; naming the wider type keeps FastifyInstance's default generics.
    loggerInstance: options.log as FastifyBaseLogger,
    // Deliveries are logged by the intake with their own context; per-request lines would double them.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimitBytes,
    forceCloseConnections: 'idle',
    return503OnClosing: true,
  });
  app.server.maxConnections = connections.maxConnections;

  app.setErrorHandler((error: FastifyError, _request, reply) => {
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.code(413).send({
        error: `body is larger than the limit of ${formatBytes(options.bodyLimitBytes)} (server.bodyLimitBytes)`,
        reason: 'too-large',
      });
    }
    const status = error.statusCode ?? 500;
    if (status >= 500) options.log.error({ err: error }, 'request failed');
    return reply.code(status).send({
      error: status >= 500 ? 'internal error; see the service log' : error.message,
      reason: error.code ?? 'error',
    });
  });

  app.get('/healthz', async () => ({ ok: true }));
  const logReadiness = readinessLog(options.log);
  app.get('/readyz', async (_request, reply) => {
    const report = await runChecks(options.readiness);
    logReadiness(report);
    return reply.code(report.ok ? 200 : 503).send(publicReadiness(report));
  });
  app.get('/metrics', { preHandler: metricsGuard(options.metricsToken) }, async (_request, reply) => {
    const body = await options.metrics.registry.metrics();
    return reply.type(options.metrics.registry.contentType).send(body);
  });

  registerWebhookRoute(app, options);
  for (const register of options.routes ?? []) register(app);
  return app;
}

/**
 * Prometheus metrics on a registry of our own (never prom-client's global one), created by the
 * composition root and handed to whoever records. `GET /metrics` renders it.
 */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  readonly registry: Registry;
  /** Deliveries by forge, event type and outcome (accepted, ignored, duplicate, rejected:<why>). */
  readonly deliveries: Counter<'forge' | 'event' | 'outcome'>;
  /** Time from the request's arrival to its answer, for POST /webhook. */
  readonly intakeSeconds: Histogram<'outcome'>;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'claude_hooks_' });
  return {
    registry,
    deliveries: new Counter({
      name: 'claude_hooks_deliveries_total',
      help: 'Webhook deliveries received, by forge, event type and outcome.',
      labelNames: ['forge', 'event', 'outcome'],
      registers: [registry],
    }),
    intakeSeconds: new Histogram({
      name: 'claude_hooks_intake_duration_seconds',
      help: 'Time to answer a webhook delivery, including the durable commit.',
      labelNames: ['outcome'],
      buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
  };
}

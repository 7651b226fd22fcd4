/** STUB — replaced by the PostgreSQL delivery store (helper pg-core). */
import type { Clock } from '../../lib/clock.js';
import type { DeliveryHistory, DeliveryRetention, DeliveryStore, EventListener } from '../../intake/ports.js';
import type { Pool } from './pool.js';

export interface PgDeliveryStoreOptions {
  readonly pool: Pool;
  readonly clock: Clock;
  readonly dedupWindowMs: number;
  /** Called for each new event, after its transaction committed (this process's own events). */
  readonly onEvent?: EventListener;
}

export function createPgDeliveryStore(_options: PgDeliveryStoreOptions): DeliveryStore & DeliveryRetention {
  throw new Error('not implemented yet');
}

export function createPgDeliveryHistory(_pool: Pool): DeliveryHistory {
  throw new Error('not implemented yet');
}

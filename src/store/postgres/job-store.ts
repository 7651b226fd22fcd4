/** STUB — replaced by the PostgreSQL job store (helper pg-core). */
import type { JobStore } from '../../queue/ports.js';
import type { Pool } from './pool.js';

export function createPgJobStore(_pool: Pool): JobStore {
  throw new Error('not implemented yet');
}

/** STUB — replaced by the PostgreSQL session store and run records (helper pg-rest). */
import type { RunRecords, SessionStore } from '../../sessions/ports.js';
import type { Pool } from './pool.js';

export function createPgSessionStore(_pool: Pool): SessionStore {
  throw new Error('not implemented yet');
}

export function createPgRunRecords(_pool: Pool): RunRecords {
  throw new Error('not implemented yet');
}

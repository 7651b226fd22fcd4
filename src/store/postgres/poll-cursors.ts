/** STUB — replaced by the PostgreSQL poll cursors (helper pg-core). */
import type { PollCursors } from '../../queue/poller.js';
import type { Pool } from './pool.js';

export function createPgPollCursors(_pool: Pool): PollCursors {
  throw new Error('not implemented yet');
}

/** Where the reconciliation poller got to, per repository, on PostgreSQL (the twin of the SQLite one). */
import type { PollCursors } from '../../queue/poller.js';
import type { Pool } from './pool.js';

export function createPgPollCursors(pool: Pool): PollCursors {
  return {
    async get(repo) {
      const { rows } = await pool.query<{ polled_at: string }>('SELECT polled_at FROM poll_cursors WHERE repo = $1', [
        repo.toLowerCase(),
      ]);
      return rows[0]?.polled_at;
    },
    async set(repo, polledAt) {
      await pool.query(
        'INSERT INTO poll_cursors (repo, polled_at) VALUES ($1, $2) ON CONFLICT (repo) DO UPDATE SET polled_at = excluded.polled_at',
        [repo.toLowerCase(), polledAt],
      );
    },
  };
}

/** Session transcripts in PostgreSQL: one row per transcript line, `uuid` as idempotency key. */
import type { TranscriptEntry, TranscriptStore } from '../../sessions/transcript-store.js';
import type { Pool, PoolClient } from './pool.js';

/**
 * Appends transcript lines after those stored, in order, skipping any whose `uuid` is stored
 * (a retried batch); answers how many rows went in. On the pool, or on a transaction's client.
 */
export async function appendTranscriptEntries(
  db: Pool | PoolClient,
  sessionId: string,
  subpath: string,
  entries: readonly TranscriptEntry[],
): Promise<number> {
  if (entries.length === 0) return 0;
  // One statement: the rows go in in the array's order (seq is assigned in that order).
  const { rowCount } = await db.query(
    `INSERT INTO transcript_entries (session_id, subpath, uuid, entry)
     SELECT $1, $2, e.uuid, e.entry FROM unnest($3::text[], $4::text[]) WITH ORDINALITY AS e(uuid, entry, n)
     ORDER BY e.n
     ON CONFLICT (session_id, subpath, uuid) WHERE uuid IS NOT NULL DO NOTHING`,
    [
      sessionId,
      subpath,
      entries.map((e) => (typeof e.uuid === 'string' ? e.uuid : null)),
      entries.map((e) => JSON.stringify(e)),
    ],
  );
  return rowCount ?? 0;
}

export function createPgTranscriptStore(pool: Pool): TranscriptStore {
  return {
    async append(sessionId, subpath, entries) {
      await appendTranscriptEntries(pool, sessionId, subpath ?? '', entries);
    },
    async load(sessionId, subpath) {
      const { rows } = await pool.query<{ entry: string }>(
        'SELECT entry FROM transcript_entries WHERE session_id = $1 AND subpath = $2 ORDER BY seq',
        [sessionId, subpath ?? ''],
      );
      return rows.length === 0 ? null : rows.map((row) => JSON.parse(row.entry) as TranscriptEntry);
    },
    async exists(sessionId) {
      const { rowCount } = await pool.query(
        "SELECT 1 FROM transcript_entries WHERE session_id = $1 AND subpath = '' LIMIT 1",
        [sessionId],
      );
      return rowCount === 1;
    },
    async subpaths(sessionId) {
      const { rows } = await pool.query<{ subpath: string }>(
        "SELECT DISTINCT subpath FROM transcript_entries WHERE session_id = $1 AND subpath <> '' ORDER BY subpath",
        [sessionId],
      );
      return rows.map((row) => row.subpath);
    },
    async remove(sessionId) {
      const { rows } = await pool.query<{ bytes: number | null }>(
        'WITH gone AS (DELETE FROM transcript_entries WHERE session_id = $1 RETURNING octet_length(entry) AS n) SELECT SUM(n) AS bytes FROM gone',
        [sessionId],
      );
      return rows[0]?.bytes ?? 0;
    },
  };
}

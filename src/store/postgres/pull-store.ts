/**
 * The watched pull requests' store on PostgreSQL, the twin of `store/sqlite/pull-store.ts`. Each
 * write is one statement: workers saving the same PR do not interleave, the last write stands.
 * Ties in `listWatched` order by repository bytewise (`COLLATE "C"`), as SQLite does.
 */
import type { PullWatchStore, WatchedPull } from '../../pulls/ports.js';
import { DEFAULT_WATCHED_LIMIT, PULL_COLUMNS, pullRowOf, toWatchedPull, type PullRow } from '../rows/pulls.js';
import type { Pool } from './pool.js';

export function createPgPullWatchStore(pool: Pool): PullWatchStore {
  const select = async (where: string, params: unknown[]): Promise<WatchedPull[]> => {
    const { rows } = await pool.query<PullRow>(`SELECT ${PULL_COLUMNS} FROM watched_pulls WHERE ${where}`, params);
    return rows.map(toWatchedPull);
  };
  return {
    async getWatched(repo, number) {
      const [pull] = await select('repo = $1 AND number = $2', [repo.toLowerCase(), number]);
      return pull;
    },
    watchedByHead: (repo, sha) => select('repo = $1 AND head_sha = $2 ORDER BY number', [repo.toLowerCase(), sha]),
    async saveWatched(pull) {
      const row = pullRowOf(pull);
      await pool.query(
        `INSERT INTO watched_pulls (${PULL_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (repo, number) DO UPDATE SET
           head_sha = excluded.head_sha, state = excluded.state, updated_at = excluded.updated_at, record = excluded.record`,
        [row.repo, row.number, row.head_sha, row.state, row.updated_at, row.record],
      );
    },
    listWatched: (options = {}) =>
      select(
        `($1::boolean IS NOT TRUE OR state = 'open')
         ORDER BY CASE WHEN state = 'open' THEN 0 ELSE 1 END, updated_at DESC, repo COLLATE "C", number LIMIT $2`,
        [options.open ?? false, options.limit ?? DEFAULT_WATCHED_LIMIT],
      ),
    async forgetSettled(before) {
      const { rowCount } = await pool.query(
        `DELETE FROM watched_pulls WHERE state IN ('merged', 'closed') AND updated_at < $1`,
        [before],
      );
      return rowCount ?? 0;
    },
  };
}

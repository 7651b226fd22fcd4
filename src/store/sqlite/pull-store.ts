/**
 * The watched pull requests' store on SQLite: writes through the group committer, reads straight
 * from the database. Each record is one row, written whole.
 */
import type { PullWatchStore } from '../../pulls/ports.js';
import { DEFAULT_WATCHED_LIMIT, PULL_COLUMNS, pullRowOf, toWatchedPull, type PullRow } from '../rows/pulls.js';
import type { GroupCommitter } from './group-commit.js';
import type { Db } from './open-database.js';

export function createSqlitePullWatchStore(db: Db, committer: GroupCommitter): PullWatchStore {
  const q = {
    get: db.prepare<[string, number], PullRow>(
      `SELECT ${PULL_COLUMNS} FROM watched_pulls WHERE repo = ? AND number = ?`,
    ),
    byHead: db.prepare<[string, string], PullRow>(
      `SELECT ${PULL_COLUMNS} FROM watched_pulls WHERE repo = ? AND head_sha = ? ORDER BY number`,
    ),
    save: db.prepare<PullRow>(
      `INSERT INTO watched_pulls (${PULL_COLUMNS}) VALUES (@repo, @number, @head_sha, @state, @updated_at, @record)
       ON CONFLICT (repo, number) DO UPDATE SET
         head_sha = excluded.head_sha, state = excluded.state, updated_at = excluded.updated_at, record = excluded.record`,
    ),
    list: db.prepare<[number, number], PullRow>(
      `SELECT ${PULL_COLUMNS} FROM watched_pulls WHERE (? = 0 OR state = 'open')
       ORDER BY CASE WHEN state = 'open' THEN 0 ELSE 1 END, updated_at DESC, repo, number LIMIT ?`,
    ),
    forget: db.prepare<[number]>(`DELETE FROM watched_pulls WHERE state IN ('merged', 'closed') AND updated_at < ?`),
  };
  return {
    async getWatched(repo, number) {
      const row = q.get.get(repo.toLowerCase(), number);
      return row && toWatchedPull(row);
    },
    async watchedByHead(repo, sha) {
      return q.byHead.all(repo.toLowerCase(), sha).map(toWatchedPull);
    },
    saveWatched(pull) {
      const row = pullRowOf(pull);
      return committer.submit(() => {
        q.save.run(row);
      });
    },
    async listWatched(options = {}) {
      return q.list.all(options.open ? 1 : 0, options.limit ?? DEFAULT_WATCHED_LIMIT).map(toWatchedPull);
    },
    forgetSettled(before) {
      return committer.submit(() => q.forget.run(before).changes);
    },
  };
}

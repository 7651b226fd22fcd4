/** Where the reconciliation poller got to, per repository, so a restart does not re-read history. */
import type { PollCursors } from '../../queue/poller.js';
import type { GroupCommitter } from './group-commit.js';
import type { Db } from './open-database.js';

export function createSqlitePollCursors(db: Db, committer: GroupCommitter): PollCursors {
  const get = db.prepare<[string], { polled_at: string }>('SELECT polled_at FROM poll_cursors WHERE repo = ?');
  const set = db.prepare<[string, string]>(
    'INSERT INTO poll_cursors (repo, polled_at) VALUES (?, ?) ON CONFLICT (repo) DO UPDATE SET polled_at = excluded.polled_at',
  );
  return {
    async get(repo) {
      return get.get(repo.toLowerCase())?.polled_at;
    },
    set(repo, polledAt) {
      return committer.submit(() => {
        set.run(repo.toLowerCase(), polledAt);
      });
    },
  };
}

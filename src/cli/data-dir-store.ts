/** For CLI commands that read the data dir's database directly (the service need not run). */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock } from '../lib/clock.js';
import { DATABASE_FILE, openSqliteStore, type SqliteStore } from '../store/sqlite/sqlite-store.js';

/** Runs `read` against the store in `dataDir`; exit code 1, saying why, when there is none yet. */
export async function withDataDirStore(dataDir: string, read: (store: SqliteStore) => Promise<number>): Promise<number> {
  if (!existsSync(join(dataDir, DATABASE_FILE))) {
    process.stderr.write(`no database in ${dataDir}: the service has not run with this data dir yet\n`);
    return 1;
  }
  const store = openSqliteStore({ dataDir, clock: systemClock, dedupWindowMs: 0 });
  try {
    return await read(store);
  } finally {
    await store.close();
  }
}

/**
 * `claude-hooks workers`: who shares the store — alive or not, what each runs, what it leads, its
 * disk. With the embedded store (SQLite) there is one worker, the service on this data dir.
 */
import type { StoreLocation } from '../config/types.js';
import { formatWorkers } from '../workers/format-workers.js';
import { withDataDirStore } from './data-dir-store.js';

interface Io {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

export async function printWorkers(
  where: StoreLocation,
  options: { json: boolean },
  io: Io = process,
): Promise<number> {
  if (where.store.kind === 'sqlite') {
    io.stdout.write(
      `store: sqlite — one worker, the service on ${where.dataDir}; several workers need store: postgres (docs/operations.md, "Running several workers")\n`,
    );
    return 0;
  }
  return withDataDirStore(
    where,
    async (store) => {
      const now = Date.now();
      const workers = await store.workers.list(now);
      io.stdout.write(options.json ? `${JSON.stringify(workers, null, 2)}\n` : formatWorkers(workers, now));
      return 0;
    },
    io,
  );
}

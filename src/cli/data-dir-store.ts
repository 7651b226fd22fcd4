/**
 * For CLI commands that read the store directly (the service need not run). They take no lock:
 * SQLite readers do not disturb a running service, and with PostgreSQL other workers may be
 * running anyway. Writes go through `admin-commands.ts`, never through here.
 */
import type { StoreLocation } from '../config/types.js';
import { systemClock } from '../lib/clock.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/ports.js';
import { missingStore } from './missing-data-dir.js';

/** Runs `read` against the configured store; exit code 1, saying why, when there is none yet. */
export async function withDataDirStore(
  where: StoreLocation,
  read: (store: Store) => Promise<number>,
  io: { stderr: { write(text: string): unknown } } = process,
): Promise<number> {
  const missing = missingStore(where);
  if (missing !== undefined) {
    io.stderr.write(`${missing}\n`);
    return 1;
  }
  const store = await openStore(where.store, { dataDir: where.dataDir, clock: systemClock, dedupWindowMs: 0 });
  try {
    return await read(store);
  } finally {
    await store.close();
  }
}

/**
 * What a command says when the data dir it was pointed at holds nothing of a service yet, instead
 * of a raw `ENOENT … service.pid`: the service has never run with it, or the command reads another
 * configuration than the service did (a typo'd `dataDir`, `CLAUDE_HOOKS_DATA_DIR` not set here,
 * another working directory — the default `./data` is relative to it).
 */
import { existsSync } from 'node:fs';
import type { StoreLocation } from '../config/types.js';
import { storeExists } from '../store/open-store.js';

const HOW_TO_START =
  'start the service once with this configuration (`claude-hooks serve`, or `npm start` in a checkout), ' +
  'or point this command at the data dir the service uses (dataDir in the config file, or CLAUDE_HOOKS_DATA_DIR)';

/** Undefined when `dataDir` exists. */
export function missingDataDir(dataDir: string): string | undefined {
  return existsSync(dataDir) ? undefined : `no claude-hooks data dir at ${dataDir}: ${HOW_TO_START}`;
}

/** Undefined when there is a store to open: always with PostgreSQL, whose database is elsewhere. */
export function missingStore(where: StoreLocation): string | undefined {
  if (where.store.kind === 'postgres') return undefined;
  if (storeExists(where.store, where.dataDir)) return undefined;
  return (
    missingDataDir(where.dataDir) ??
    `no database in ${where.dataDir}: the service has not run with this data dir yet; ${HOW_TO_START}`
  );
}

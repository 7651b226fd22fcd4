/**
 * Leases: a worktree is used by one job at a time, across every process sharing the data dir.
 * A lease is a lock directory kept fresh while held; after a crash it goes stale within
 * `staleMs` and the next job takes it over. Who holds it is written beside it for `list()`.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { isFileLocked, tryFileLock, type Release } from './locks.js';

export interface LeaseStatus {
  readonly leased: boolean;
  readonly holder: string | undefined;
}

export interface Leases {
  /** Takes the lease on worktree `id`, or answers undefined when a live holder has it. */
  take(id: string, holder: string | undefined): Promise<Release | undefined>;
  status(id: string): Promise<LeaseStatus>;
}

export interface LeasesOptions {
  readonly dir: string;
  readonly staleMs: number;
  readonly log: Logger;
  readonly clock: Clock;
}

export function createLeases(options: LeasesOptions): Leases {
  const lockPath = (id: string) => join(options.dir, `${id}.lock`);
  const holderPath = (id: string) => join(options.dir, `${id}.holder.json`);

  return {
    async take(id, holder) {
      await mkdir(options.dir, { recursive: true });
      const release = await tryFileLock(lockPath(id), options);
      if (!release) return undefined;
      await writeFile(
        holderPath(id),
        JSON.stringify({ holder: holder ?? null, pid: process.pid, since: options.clock.now() }),
      );
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        await rm(holderPath(id), { force: true });
        await release();
      };
    },
    async status(id) {
      const leased = await isFileLocked(lockPath(id), options.staleMs);
      if (!leased) return { leased, holder: undefined };
      const holder = await readFile(holderPath(id), 'utf8')
        .then((text) => (JSON.parse(text) as { holder?: unknown }).holder)
        .catch(() => undefined);
      return { leased, holder: typeof holder === 'string' ? holder : undefined };
    },
  };
}

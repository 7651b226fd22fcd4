/** `claude-hooks sessions` and `claude-hooks worktrees`: read straight from the data dir. */
import { systemClock } from '../lib/clock.js';
import { formatTable } from '../lib/format-table.js';
import { silentLogger } from '../lib/logger.js';
import { createWorkdirs } from '../workdir/index.js';
import type { StoreLocation } from '../config/types.js';
import { withDataDirStore } from './data-dir-store.js';
import { missingDataDir } from './missing-data-dir.js';
import { formatUsd } from '../lib/format-usd.js';
import { isoSeconds } from '../lib/format-time.js';

interface Io {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

export async function printSessions(
  where: StoreLocation,
  options: { limit: string | undefined; json: boolean },
  io: Io,
): Promise<number> {
  const limit = options.limit === undefined ? 50 : Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1) {
    io.stderr.write(`--limit must be a positive whole number, got "${options.limit}"\n`);
    return 2;
  }
  return withDataDirStore(
    where,
    async (store) => {
      const sessions = await store.sessions.list({ limit });
      if (options.json) io.stdout.write(`${JSON.stringify(sessions, null, 2)}\n`);
      else
        io.stdout.write(
          formatTable(
            ['key', 'state', 'session', 'runs', 'cost', 'last used'],
            sessions.map((s) => [
              `${s.key.agent}:${s.key.repo}#${s.key.issue}`,
              s.state,
              s.sessionId ?? '(forgotten)',
              String(s.runCount),
              formatUsd(s.costUsd),
              isoSeconds(s.lastUsedAt),
            ]),
          ),
        );
      return 0;
    },
    io,
  );
}

export async function printWorktrees(dataDir: string, options: { json: boolean }, io: Io): Promise<number> {
  const missing = missingDataDir(dataDir);
  if (missing !== undefined) {
    io.stderr.write(`${missing}\n`);
    return 1;
  }
  const workdirs = createWorkdirs({ dataDir, minFreeBytes: 0, env: {}, log: silentLogger(), clock: systemClock });
  const list = await workdirs.list();
  if (options.json) io.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
  else {
    const target = (w: (typeof list)[number]) =>
      w.target.kind === 'issue-branch'
        ? w.target.branch
        : w.target.kind === 'pr-head'
          ? `PR #${w.target.number}`
          : 'default branch';
    io.stdout.write(
      formatTable(
        ['agent', 'repository', 'target', 'in use', 'last used', 'path'],
        list.map((w) => [
          w.agent,
          `${w.repo.owner}/${w.repo.name}`,
          target(w),
          w.leased ? `yes (${w.holder ?? '?'})` : 'no',
          isoSeconds(w.lastUsedAt),
          w.path,
        ]),
      ),
    );
  }
  return 0;
}

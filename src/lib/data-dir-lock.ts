/**
 * One service per data dir. Two services on one data dir would both dispatch the same jobs and
 * both write worktrees; SQLite alone does not stop that. The service holds `<dataDir>/service.pid`
 * (created with O_EXCL, holding its pid) for its life; a second one refuses to start, naming the pid.
 * A file left by a process that died without releasing it (SIGKILL, power loss) names a pid that
 * no longer runs, and is taken over. Read-only commands (`jobs`, `deliveries`) take no lock.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const LOCK_FILE = 'service.pid';
/** Holds the running service's URL, beside `service.pid`; removed at shutdown. */
export const SERVICE_URL_FILE = 'service.url';

export interface DataDirLock {
  readonly path: string;
  /** Removes the lock file if it is still ours. */
  release(): void;
}

export class DataDirLockedError extends Error {
  readonly code = 'DATA_DIR_LOCKED';
  constructor(
    readonly dataDir: string,
    readonly pid: number,
    readonly path: string,
  ) {
    super(
      `data dir ${dataDir} is in use by another claude-hooks service (pid ${pid}, recorded in ${path}): ` +
        'stop that one first, or give this one its own data dir (dataDir or CLAUDE_HOOKS_DATA_DIR)',
    );
    this.name = 'DataDirLockedError';
  }
}

export function lockDataDir(
  dataDir: string,
  options: { pid?: number; isRunning?: (pid: number) => boolean } = {},
): DataDirLock {
  const pid = options.pid ?? process.pid;
  const isRunning = options.isRunning ?? processIsRunning;
  const path = join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      try {
        writeSync(fd, `${pid}\n`);
      } finally {
        closeSync(fd);
      }
      return { path, release: () => releaseIfOurs(path, pid) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readPid(path);
    if (holder !== undefined && isRunning(holder)) throw new DataDirLockedError(dataDir, holder, path);
    // Stale: its process is gone (or the file is unreadable garbage). Take it over.
    rmSync(path, { force: true });
  }
  throw new Error(
    `could not take the lock file ${path}: it keeps reappearing; is another service starting on this data dir?`,
  );
}

function readPid(path: string): number | undefined {
  try {
    const text = readFileSync(path, 'utf8').trim();
    return /^\d+$/.test(text) ? Number(text) : undefined;
  } catch {
    return undefined;
  }
}

function releaseIfOurs(path: string, pid: number): void {
  if (readPid(path) === pid) rmSync(path, { force: true });
}

/** Signal 0 checks that a process exists; EPERM means it does, under another user. */
function processIsRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

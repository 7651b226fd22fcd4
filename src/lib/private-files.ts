/**
 * The data dir holds delivery bodies, the generated webhook secret and the agents' work: only the
 * service's own user may read it. Modes are set where each thing is created (never through a
 * process-wide umask, which would change what agents and git create too), and an existing dir
 * or file that is looser is tightened, the caller saying so (docs/decisions.md §18: the dir
 * was 0755 and the database 0644, so every local user could read every delivery).
 */
import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** What was loosened before we tightened it, for the caller's warning; undefined when nothing was. */
export interface Tightened {
  readonly path: string;
  /** The permission bits found, in octal (`0755`). */
  readonly was: string;
}

/** Creates `path` (and missing parents) mode 0700, or tightens an existing dir to 0700. */
export function ensurePrivateDir(path: string): Tightened | undefined {
  mkdirSync(path, { recursive: true, mode: PRIVATE_DIR_MODE });
  return tighten(path, PRIVATE_DIR_MODE);
}

/** Creates an empty file mode 0600 when there is none, or tightens an existing one to 0600. */
export function ensurePrivateFile(path: string): Tightened | undefined {
  closeSync(openSync(path, 'a', PRIVATE_FILE_MODE));
  return tighten(path, PRIVATE_FILE_MODE);
}

/** Tightens `path` to `mode` when it exists with more bits; a missing path is left alone. */
export function tightenIfPresent(path: string, mode: number): Tightened | undefined {
  try {
    return tighten(path, mode);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function tighten(path: string, mode: number): Tightened | undefined {
  const found = statSync(path).mode & 0o777;
  if ((found & ~mode) === 0) return undefined;
  chmodSync(path, mode);
  return { path, was: `0${found.toString(8)}` };
}

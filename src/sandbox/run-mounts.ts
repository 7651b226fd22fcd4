/**
 * What one run's sandbox sees (docs/security.md, "What a run can reach"):
 * - the system, read-only (`system-mounts.ts`), a private `/tmp` and a home inside it;
 * - its worktree — writable for an agent that writes (dev), read-only for the readers;
 * - the git files that worktree needs: the repository cache read-only, with only this worktree's
 *   admin folder under `worktrees/` (the others are hidden), and for a writer the object store,
 *   refs and reflogs writable (a commit writes there). The files that tell git where its
 *   repository and configuration are — the worktree's `.git`, and `config.worktree`, `commondir`
 *   and `gitdir` in the admin folder — are read-only even for a writer, so nothing in the
 *   sandbox can give git a configuration (a filter, an fsmonitor, a hook path) that the
 *   service's own git would read;
 * - its session's folder (`CLAUDE_CONFIG_DIR`), and nothing of any other session;
 * - the runtime's executable, the init script and the service's socket.
 * Not the data dir, the database, the secrets, other worktrees, or the service's environment.
 */
import { dirname, join } from 'node:path';
import type { Mount } from './mounts.js';

/** Where the service's pieces appear inside every sandbox. */
export const INSIDE = {
  init: '/run/claude-hooks/init.cjs',
  socket: '/run/claude-hooks/service.sock',
  home: '/tmp/home',
  /** A reader's scratch object store (see `isolation.ts`). */
  objects: '/tmp/git-objects',
} as const;

export interface WorktreeView {
  readonly path: string;
  /** Where the worktree's files come from when not `path` itself: a reader's throw-away copy. */
  readonly source?: string;
  /** The worktree's admin folder (`<cache>/worktrees/<name>`), from its `.git` file. */
  readonly adminDir: string;
  /** The repository cache (the common git dir). */
  readonly commonDir: string;
  readonly writable: boolean;
}

export interface RunView {
  readonly system: readonly Mount[];
  readonly worktree: WorktreeView;
  /** The run's `CLAUDE_CONFIG_DIR` (its session's folder; with PostgreSQL, also the SDK's copy of a resumed session). */
  readonly configDirs: readonly string[];
  /** The runtime executable: its folder is bound read-only. */
  readonly command: string;
  readonly initScript: string;
  readonly socket: string;
}

export function runMounts(view: RunView): Mount[] {
  const { worktree } = view;
  return [
    ...view.system,
    { kind: 'tmpfs', target: '/tmp' },
    { kind: 'dir', target: INSIDE.home },
    { kind: 'dir', target: `${INSIDE.objects}/pack` },
    { kind: 'dir', target: `${INSIDE.objects}/info` },
    ...worktreeMounts(worktree),
    ...view.configDirs.map((dir): Mount => ({ kind: 'rw', source: dir, target: dir })),
    { kind: 'ro', source: dirname(view.command), target: dirname(view.command) },
    { kind: 'ro', source: view.initScript, target: INSIDE.init },
    { kind: 'rw', source: view.socket, target: INSIDE.socket },
  ];
}

function worktreeMounts(worktree: WorktreeView): Mount[] {
  const access = worktree.writable ? 'rw' : 'ro';
  const common = worktree.commonDir;
  const admin = worktree.adminDir;
  const files = worktree.source ?? worktree.path;
  // A plain repository (its git dir inside it, not a worktree of a cache): only its config is kept read-only.
  if (admin === common)
    return [
      { kind: access, source: files, target: worktree.path },
      { kind: 'ro', source: join(common, 'config'), target: join(common, 'config') },
    ];
  return [
    // A reader's copy is writable; the git files behind it stay read-only, as for any reader.
    { kind: worktree.source === undefined ? access : 'rw', source: files, target: worktree.path },
    { kind: 'ro', source: join(worktree.path, '.git'), target: join(worktree.path, '.git') },
    { kind: 'ro', source: common, target: common },
    { kind: 'tmpfs', target: join(common, 'worktrees') },
    { kind: access, source: admin, target: admin },
    // `openEnclosure` makes sure all three exist first: a missing one could be created by the agent.
    ...['config.worktree', 'commondir', 'gitdir'].map(
      (name): Mount => ({ kind: 'ro', source: join(admin, name), target: join(admin, name) }),
    ),
    ...(worktree.writable
      ? ['objects', 'refs', 'logs'].map(
          (name): Mount => ({ kind: 'rw', source: join(common, name), target: join(common, name) }),
        )
      : []),
  ];
}

/**
 * What a sandbox sees, as an ordered list of mounts, and the bubblewrap arguments that build it.
 * Pure: the caller decides the mounts (`run-mounts.ts`), this only spells them for `bwrap`.
 *
 * bubblewrap starts from an empty root: nothing of the host exists inside unless a mount puts it
 * there. Later mounts go over earlier ones, which is how a read-only cache gets a writable object
 * store, or a writable admin folder a read-only `config.worktree` (docs/security.md).
 */
export type Mount =
  | { readonly kind: 'ro' | 'rw'; readonly source: string; readonly target: string }
  /** Bound only when the source exists (optional system paths). */
  | { readonly kind: 'ro-try'; readonly source: string; readonly target: string }
  | { readonly kind: 'tmpfs'; readonly target: string }
  /** An empty directory (in a tmpfs above it). */
  | { readonly kind: 'dir'; readonly target: string }
  | { readonly kind: 'symlink'; readonly linkTo: string; readonly target: string };

export interface SandboxCommand {
  readonly mounts: readonly Mount[];
  /** The working directory inside (a mounted path). */
  readonly cwd: string;
  readonly argv: readonly string[];
}

/**
 * Namespaces: all of them (user, pid, network, ipc, uts, cgroup), so the sandbox has its own
 * `/proc`, no network but loopback, and no capabilities. `--die-with-parent` ends the sandbox and
 * everything in it when the service dies, even by SIGKILL; `--new-session` keeps it off the
 * service's terminal.
 */
const ISOLATING = ['--unshare-all', '--die-with-parent', '--new-session', '--cap-drop', 'ALL'];

export function bwrapArgs(command: SandboxCommand): string[] {
  return [
    ...ISOLATING,
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    ...command.mounts.flatMap(mountArgs),
    '--chdir',
    command.cwd,
    '--',
    ...command.argv,
  ];
}

function mountArgs(mount: Mount): string[] {
  switch (mount.kind) {
    case 'ro':
      return ['--ro-bind', mount.source, mount.target];
    case 'rw':
      return ['--bind', mount.source, mount.target];
    case 'ro-try':
      return ['--ro-bind-try', mount.source, mount.target];
    case 'tmpfs':
      return ['--tmpfs', mount.target];
    case 'dir':
      return ['--dir', mount.target];
    case 'symlink':
      return ['--symlink', mount.linkTo, mount.target];
  }
}

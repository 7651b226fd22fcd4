/**
 * Whether a sandbox can be made on this machine: runs `bwrap` once with the namespaces every run
 * uses and a read-only `/usr`, and answers what went wrong with the fix when it cannot. The
 * service asks at start-up (agents do not run without it unless `isolation: none`) and so does
 * `claude-hooks doctor`.
 */
import { spawn } from 'node:child_process';
import { bwrapArgs } from './mounts.js';
import { systemMounts } from './system-mounts.js';

export type SandboxProbe =
  | { readonly ok: true; readonly detail: string }
  | { readonly ok: false; readonly problem: string; readonly fix: string };

export interface ProbeOptions {
  /** The bubblewrap executable; `bwrap` from PATH unless told. */
  readonly bwrap?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly timeoutMs?: number;
}

const FIX =
  'install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap; Fedora/RHEL: dnf install bubblewrap) and allow unprivileged user namespaces ' +
  '(sysctl user.max_user_namespaces > 0; on Ubuntu 24.04+ also an AppArmor profile for bwrap, or kernel.apparmor_restrict_unprivileged_userns=0); ' +
  'or, knowing what it costs, set `isolation: none` (docs/security.md)';

export async function probeSandbox(options: ProbeOptions = {}): Promise<SandboxProbe> {
  const binary = options.bwrap ?? 'bwrap';
  const version = await run(binary, ['--version'], options);
  if (version.error !== undefined)
    return { ok: false, problem: `bubblewrap (${binary}) cannot be started: ${version.error}`, fix: FIX };
  const args = bwrapArgs({
    mounts: systemMounts({ node: process.execPath }),
    cwd: '/',
    argv: ['/usr/bin/env', 'true'],
  });
  const tried = await run(binary, args, options);
  if (tried.error !== undefined || tried.code !== 0) {
    const why = tried.error ?? (tried.stderr.trim() || `exit code ${tried.code}`);
    return {
      ok: false,
      problem: `bubblewrap is installed (${version.stdout.trim()}) but cannot make a sandbox here: ${why}`,
      fix: FIX,
    };
  }
  return {
    ok: true,
    detail: `${version.stdout.trim()}: a sandbox with its own user, process and network namespaces starts`,
  };
}

interface Ran {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly error: string | undefined;
}

function run(binary: string, args: readonly string[], options: ProbeOptions): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(binary, args, {
      env: { PATH: options.env?.PATH ?? process.env.PATH ?? '/usr/bin:/bin' },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 10_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8').slice(0, 2000)));
    child.on('error', (error) => resolve({ code: null, stdout, stderr, error: error.message }));
    child.on('close', (code, signal) =>
      resolve({ code, stdout, stderr, error: signal ? `ended by ${signal}` : undefined }),
    );
  });
}

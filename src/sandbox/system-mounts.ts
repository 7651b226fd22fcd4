/**
 * The host's system directories a sandbox sees, read-only: `/usr` (programs and libraries), the
 * top-level directories that merged-/usr systems make symlinks into it, and from `/etc` only what
 * programs need to run (users, name resolution, certificates, the dynamic linker, time zone) —
 * never the whole of `/etc`, which can hold credentials (`/etc/shadow` is owner-readable and the
 * sandbox's user maps to the service's).
 */
import { lstatSync, readlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Mount } from './mounts.js';

const TOP_LEVEL = ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

const ETC = [
  'passwd',
  'group',
  'hosts',
  'nsswitch.conf',
  'host.conf',
  'localtime',
  'timezone',
  'ld.so.cache',
  'ld.so.conf',
  'ld.so.conf.d',
  'ssl',
  'ca-certificates',
  'ca-certificates.conf',
  'pki',
  'alternatives',
  'mime.types',
  'os-release',
  'debian_version',
];

export interface SystemMountOptions {
  /** The Node.js executable the in-sandbox init runs on (`process.execPath`). */
  readonly node: string;
  /** Where to look (tests use a fake root); `/` by default. */
  readonly root?: string;
}

export function systemMounts(options: SystemMountOptions): Mount[] {
  const root = options.root ?? '/';
  const mounts: Mount[] = [{ kind: 'ro', source: join(root, 'usr'), target: '/usr' }];
  for (const dir of TOP_LEVEL) mounts.push(...topLevel(root, dir));
  for (const name of ETC) mounts.push({ kind: 'ro-try', source: join(root, 'etc', name), target: join('/etc', name) });
  // Node installed outside /usr (a tarball in /opt, a version manager): its prefix, read-only.
  const prefix = dirname(dirname(options.node));
  if (!isUnder(options.node, '/usr/')) mounts.push({ kind: 'ro', source: prefix, target: prefix });
  return mounts;
}

function topLevel(root: string, dir: string): Mount[] {
  const path = join(root, dir);
  try {
    const info = lstatSync(path);
    if (info.isSymbolicLink()) return [{ kind: 'symlink', linkTo: readlinkSync(path), target: dir }];
    if (info.isDirectory()) return [{ kind: 'ro', source: path, target: dir }];
  } catch {
    // Absent on this system.
  }
  return [];
}

function isUnder(path: string, dir: string): boolean {
  return path.startsWith(dir);
}

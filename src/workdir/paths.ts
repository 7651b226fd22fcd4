/**
 * Where everything lives under the data dir, derived only from keys — never from raw payload
 * strings. A path component is a short slug (for the operator's eyes) plus a hash of the exact
 * value (for uniqueness), so `../`, slashes, unicode and 250-character branch names all land on a
 * short, safe, deterministic path: the same (host, owner, repo, agent, target) always gets the
 * same directory, which is what lets an agent session that recorded its cwd be resumed after the
 * worktree was recreated.
 *
 * ```text
 * <dataDir>/workdirs/
 *   caches/<repo-key>.git                    bare partial clone, one per repository
 *   trees/<repo-key>/<agent>/<target-dir>    one worktree per (agent, target)
 *   registry/<worktree-id>.json              what each worktree is (file registry)
 *   leases/<worktree-id>.lock/               held while a job uses the worktree
 *   locks/<repo-key>.lock/                   held while git changes a cache (fetch, add, remove)
 *   attic/<repo-key>/<agent>/<target-dir>/<time>/   work saved before a removal
 *   bin/git-credential-claude-hooks          the credential helper (holds no secret)
 * ```
 */
import { createHash } from 'node:crypto';
import { basename, isAbsolute, join, relative } from 'node:path';
import type { RepoSpec, WorktreeTarget } from './types.js';

export interface Layout {
  readonly root: string;
  readonly caches: string;
  readonly trees: string;
  readonly registry: string;
  readonly leases: string;
  readonly locks: string;
  readonly attic: string;
  readonly bin: string;
}

export function layoutOf(dataDir: string): Layout {
  const root = join(dataDir, 'workdirs');
  return {
    root,
    caches: join(root, 'caches'),
    trees: join(root, 'trees'),
    registry: join(root, 'registry'),
    leases: join(root, 'leases'),
    locks: join(root, 'locks'),
    attic: join(root, 'attic'),
    bin: join(root, 'bin'),
  };
}

export function hashOf(...parts: readonly string[]): string {
  return createHash('sha256').update(parts.join('\0')).digest('hex');
}

/** Lower-case ASCII letters, digits, `.`, `_`, `-`; never empty, never starting with a dot. */
export function slug(value: string, maxLength: number): string {
  const ascii = value
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/-{2,}/g, '-')
    .slice(0, maxLength)
    .replace(/^[-.]+|[-.]+$/g, '');
  return ascii === '' ? 'x' : ascii;
}

/** Forges treat owner and name case-insensitively, so the key does too. */
function repoIdentity(repo: Pick<RepoSpec, 'host' | 'owner' | 'name'>): readonly string[] {
  return [repo.host.toLowerCase(), repo.owner.toLowerCase(), repo.name.toLowerCase()];
}

/** `<owner>-<name>-<hash8>`: readable, unique per (host, owner, name). */
export function repoKeyOf(repo: Pick<RepoSpec, 'host' | 'owner' | 'name'>): string {
  return `${slug(repo.owner, 24)}-${slug(repo.name, 32)}-${hashOf(...repoIdentity(repo)).slice(0, 8)}`;
}

/** The exact identity of a target within (repo, agent); the hash input for ids and dirs. */
export function targetKeyOf(target: WorktreeTarget): string {
  switch (target.kind) {
    case 'issue-branch':
      return `branch:${target.branch}`;
    case 'pr-head':
      return `pr:${target.number}`;
    case 'default-branch':
      return 'default';
  }
}

function targetDirOf(target: WorktreeTarget): string {
  switch (target.kind) {
    case 'issue-branch':
      return `${slug(target.branch, 40)}-${hashOf(target.branch).slice(0, 8)}`;
    case 'pr-head':
      return `pr-${target.number}`;
    case 'default-branch':
      return 'default-branch';
  }
}

/** A worktree's stable id: 16 hex digits of (host, owner, name, agent, target). */
export function worktreeIdOf(
  repo: Pick<RepoSpec, 'host' | 'owner' | 'name'>,
  agent: string,
  target: WorktreeTarget,
): string {
  return hashOf(...repoIdentity(repo), agent, targetKeyOf(target)).slice(0, 16);
}

export function cacheDirOf(layout: Layout, repoKey: string): string {
  return join(layout.caches, `${repoKey}.git`);
}

export function worktreeDirOf(layout: Layout, repoKey: string, agent: string, target: WorktreeTarget): string {
  return join(layout.trees, repoKey, agent, targetDirOf(target));
}

/** Where work saved from a worktree goes: its path under `trees/`, mirrored under `attic/`, plus the time. */
export function atticDirOf(layout: Layout, worktreePath: string, at: number): string {
  const where = isWithin(worktreePath, layout.trees)
    ? relative(layout.trees, worktreePath)
    : join('elsewhere', basename(worktreePath));
  return join(layout.attic, where, new Date(at).toISOString().replace(/[:.]/g, '-'));
}

export function isWithin(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

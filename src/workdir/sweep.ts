/**
 * What the sweeper (housekeeping) asks of the workdirs beyond removal: the attic's
 * saved work with its age and size, strays (folders under `trees/` no record names, and records
 * whose folder is gone), and `git worktree prune` per cache. A stray folder is moved into the
 * attic, never deleted outright: it may hold work no record knows about.
 */
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { cacheExists, gitIn } from './cache.js';
import { gitContextFor, type WorkdirDeps } from './deps.js';
import { atticDirOf, cacheDirOf, isWithin } from './paths.js';

export interface AtticEntry {
  readonly dir: string;
  readonly savedAt: number;
  readonly bytes: number;
}

export async function atticEntries(deps: WorkdirDeps): Promise<AtticEntry[]> {
  const files = await readdir(deps.layout.attic, { recursive: true }).catch(() => [] as string[]);
  const entries: AtticEntry[] = [];
  for (const file of files.filter((f) => f === 'saved.json' || f.endsWith('/saved.json'))) {
    const dir = dirname(join(deps.layout.attic, file));
    const saved = await readFile(join(dir, 'saved.json'), 'utf8').then(
      (t) => JSON.parse(t) as { savedAt?: string },
      () => undefined,
    );
    const savedAt = saved?.savedAt ? Date.parse(saved.savedAt) : (await stat(dir)).mtimeMs;
    entries.push({ dir, savedAt: Number.isNaN(savedAt) ? 0 : savedAt, bytes: await bytesUnder(dir) });
  }
  return entries.sort((a, b) => a.savedAt - b.savedAt);
}

export async function removeAtticEntry(deps: WorkdirDeps, dir: string): Promise<void> {
  if (!isWithin(dir, deps.layout.attic) || dir === deps.layout.attic) throw new Error(`${dir} is not in the attic`);
  await rm(dir, { recursive: true, force: true });
}

export async function strays(deps: WorkdirDeps): Promise<{ folders: string[]; records: string[] }> {
  const records = await deps.registry.list();
  const known = new Set(records.map((r) => r.path));
  const folders: string[] = [];
  for (const repoKey of await dirs(deps.layout.trees)) {
    for (const agent of await dirs(join(deps.layout.trees, repoKey))) {
      for (const target of await dirs(join(deps.layout.trees, repoKey, agent))) {
        const path = join(deps.layout.trees, repoKey, agent, target);
        if (!known.has(path)) folders.push(path);
      }
    }
  }
  const gone: string[] = [];
  for (const record of records) {
    if (
      record.state === 'ready' &&
      !(await stat(record.path).then(
        () => true,
        () => false,
      ))
    )
      gone.push(record.id);
  }
  return { folders, records: gone };
}

/** Moves a stray folder (not leased, named by no record) into the attic; answers where. */
export async function adoptStray(deps: WorkdirDeps, folder: string): Promise<string> {
  if (!isWithin(folder, deps.layout.trees) || relative(deps.layout.trees, folder).split('/').length !== 3)
    throw new Error(`${folder} is not a worktree folder`);
  const dir = atticDirOf(deps.layout, folder, deps.clock.now());
  await mkdir(dir, { recursive: true });
  await rename(folder, join(dir, 'folder'));
  return dir;
}

/** `git worktree prune` in every cache, under its lock; answers how many caches were pruned. */
export async function pruneAll(deps: WorkdirDeps): Promise<number> {
  let pruned = 0;
  for (const record of uniqueRepos(await deps.registry.list())) {
    const cacheDir = cacheDirOf(deps.layout, record.repoKey);
    const ctx = await gitContextFor(deps, record.repoKey, record.repo, undefined, undefined);
    await deps.locks.withLock(record.repoKey, undefined, async () => {
      if (!(await cacheExists(cacheDir))) return;
      await gitIn(ctx, cacheDir, ['worktree', 'prune']);
      pruned++;
    });
  }
  return pruned;
}

function uniqueRepos<T extends { repoKey: string }>(records: readonly T[]): T[] {
  return [...new Map(records.map((r) => [r.repoKey, r])).values()];
}

async function dirs(path: string): Promise<string[]> {
  const entries = await readdir(path, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory()).map((e) => e.name);
}

async function bytesUnder(dir: string): Promise<number> {
  const files = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  let bytes = 0;
  for (const f of files) if (f.isFile()) bytes += (await stat(join(f.parentPath, f.name))).size;
  return bytes;
}

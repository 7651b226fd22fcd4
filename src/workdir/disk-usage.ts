/**
 * Disk accounting: bytes per cache, per worktree, per agent and per repository, plus the attic and
 * the free space under the data dir. Sizes come from one `du` child process (walking a
 * 3,000-file worktree in-process would block the event loop; a child does the walk), free space
 * from `statfs` (libuv's thread pool). A measurement is cached with the time it was taken, and
 * concurrent callers share the one in flight.
 */
import { execFile } from 'node:child_process';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../lib/clock.js';
import { freeBytes } from './deps.js';
import type { Layout } from './paths.js';
import type { WorktreeRecord, WorktreeRegistry } from './registry.js';
import type { DiskUsage } from './types.js';

export interface DiskMeter {
  /** The last measurement if younger than `maxAgeMs`, else a new one (0: always measure). */
  measure(maxAgeMs: number): Promise<DiskUsage>;
}

export interface DiskMeterOptions {
  readonly layout: Layout;
  readonly registry: WorktreeRegistry;
  readonly clock: Clock;
  /** Environment for `du` (PATH). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Named groups of further paths to size in the same `du` (a missing path counts 0). */
  readonly alsoMeasure?: Readonly<Record<string, readonly string[]>>;
}

export function createDiskMeter(options: DiskMeterOptions): DiskMeter {
  let last: DiskUsage | undefined;
  let inFlight: Promise<DiskUsage> | undefined;
  return {
    measure(maxAgeMs) {
      if (last && options.clock.now() - last.measuredAt < maxAgeMs) return Promise.resolve(last);
      inFlight ??= measureNow(options).then(
        (usage) => {
          last = usage;
          inFlight = undefined;
          return usage;
        },
        (error: unknown) => {
          inFlight = undefined;
          throw error;
        },
      );
      return inFlight;
    },
  };
}

async function measureNow(options: DiskMeterOptions): Promise<DiskUsage> {
  const { layout } = options;
  await mkdir(layout.root, { recursive: true });
  const [records, cacheNames, space] = await Promise.all([
    options.registry.list(),
    readdir(layout.caches).catch(() => [] as string[]),
    freeBytes(layout.root),
  ]);
  const caches = cacheNames
    .filter((n) => n.endsWith('.git'))
    .map((n) => ({ repoKey: n.slice(0, -4), path: join(layout.caches, n) }));
  const extra = Object.entries(options.alsoMeasure ?? {});
  const existing = (
    await Promise.all(
      extra.flatMap(([, paths]) => paths).map(async (p) => ((await stat(p).catch(() => undefined)) ? p : undefined)),
    )
  ).filter((p): p is string => p !== undefined);
  const sizes = await du(
    [...caches.map((c) => c.path), ...records.map((r) => r.path), layout.attic, ...existing],
    options.env,
  );
  const size = (path: string) => sizes.get(path) ?? 0;

  const repoNames = new Map(records.map((r) => [r.repoKey, repositoryName(r)]));
  const cacheUsage = caches.map((c) => ({
    repoKey: c.repoKey,
    repository: repoNames.get(c.repoKey) ?? c.repoKey,
    bytes: size(c.path),
  }));
  const worktrees = records.map((r) => ({
    id: r.id,
    repository: repositoryName(r),
    agent: r.agent,
    path: r.path,
    bytes: size(r.path),
  }));
  const byAgent: Record<string, number> = {};
  const byRepository: Record<string, number> = {};
  for (const w of worktrees) {
    byAgent[w.agent] = (byAgent[w.agent] ?? 0) + w.bytes;
    byRepository[w.repository] = (byRepository[w.repository] ?? 0) + w.bytes;
  }
  for (const c of cacheUsage) byRepository[c.repository] = (byRepository[c.repository] ?? 0) + c.bytes;
  const atticBytes = size(layout.attic);
  const totalUsedBytes = Object.values(byRepository).reduce((a, b) => a + b, 0) + atticBytes;
  return {
    measuredAt: options.clock.now(),
    freeBytes: space.free,
    totalBytes: space.total,
    caches: cacheUsage,
    worktrees,
    byAgent,
    byRepository,
    atticBytes,
    totalUsedBytes,
    others: Object.fromEntries(extra.map(([name, paths]) => [name, paths.reduce((sum, p) => sum + size(p), 0)])),
  };
}

function repositoryName(record: WorktreeRecord): string {
  return `${record.repo.host}/${record.repo.owner}/${record.repo.name}`;
}

/**
 * Allocated bytes of each path, from one `du -sk` (GNU and BSD). A path that vanished meanwhile
 * is reported by du on stderr and simply has no size.
 */
function du(paths: readonly string[], env: Readonly<Record<string, string | undefined>>): Promise<Map<string, number>> {
  return new Promise((resolve, reject) => {
    execFile('du', ['-sk', '--', ...paths], { env, maxBuffer: 16 * 1024 * 1024 }, (error, stdout) => {
      if (error && typeof error.code !== 'number') {
        reject(error);
        return;
      }
      const sizes = new Map<string, number>();
      for (const line of stdout.split('\n')) {
        const tab = line.indexOf('\t');
        if (tab > 0) sizes.set(line.slice(tab + 1), Number.parseInt(line.slice(0, tab), 10) * 1024);
      }
      resolve(sizes);
    });
  });
}

/**
 * Readiness: each check says whether one thing the service needs is there. `/readyz` runs them
 * all and answers 503 naming each one that failed, so an orchestrator (or an operator) sees why.
 */
import { randomUUID } from 'node:crypto';
import { statfs, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatBytes } from '../lib/format-bytes.js';

export interface CheckResult {
  readonly ok: boolean;
  readonly detail: string;
}

export interface ReadinessCheck {
  readonly name: string;
  run(): Promise<CheckResult>;
}

export async function runChecks(checks: readonly ReadinessCheck[]): Promise<{ ok: boolean; checks: Record<string, CheckResult> }> {
  const results = await Promise.all(
    checks.map(async (check) => {
      try {
        return [check.name, await check.run()] as const;
      } catch (error) {
        return [check.name, { ok: false, detail: (error as Error).message }] as const;
      }
    }),
  );
  return { ok: results.every(([, r]) => r.ok), checks: Object.fromEntries(results) };
}

export function dataDirWritableCheck(dataDir: string): ReadinessCheck {
  return {
    name: 'dataDirWritable',
    async run() {
      const probe = join(dataDir, `.readyz-${randomUUID()}`);
      await writeFile(probe, 'ok', { mode: 0o600 });
      await unlink(probe);
      return { ok: true, detail: dataDir };
    },
  };
}

export function freeDiskCheck(dataDir: string, minFreeBytes: number): ReadinessCheck {
  return {
    name: 'freeDisk',
    async run() {
      const stats = await statfs(dataDir);
      const free = stats.bavail * stats.bsize;
      const ok = free >= minFreeBytes;
      const detail = `${formatBytes(free)} free under ${dataDir}${ok ? '' : `, below the floor of ${formatBytes(minFreeBytes)} (health.minFreeBytes): free some space`}`;
      return { ok, detail };
    },
  };
}

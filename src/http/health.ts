/**
 * Readiness: each check says whether one thing the service needs is there. `/readyz` runs them
 * all and answers 503 naming each one that failed, so an orchestrator (or an operator) sees why.
 *
 * `/readyz` answers anyone who can reach the port, so what it says is public: the check's name
 * and a reason, never a path, a host or a port. A check gives both a public `detail` and, when
 * it knows more, an `internal` message with the paths and addresses; the internal one goes to
 * the log when the check fails. Whatever a check says publicly is scrubbed once more on the way
 * out (`scrubPublicText`), for checks written before this rule and for errors they throw.
 */
import { randomUUID } from 'node:crypto';
import { statfs, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatBytes } from '../lib/format-bytes.js';
import type { Logger } from '../lib/logger.js';
import { scrubPublicText } from '../lib/public-text.js';

export interface CheckResult {
  readonly ok: boolean;
  /** What `/readyz` shows: the reason, in words anyone may read (no path, host or port). */
  readonly detail: string;
  /** The whole story for the operator's log (paths, addresses, the error as thrown); `detail` when absent. */
  readonly internal?: string;
}

export interface ReadinessCheck {
  readonly name: string;
  run(): Promise<CheckResult>;
}

/** Every check's result, with its internal message: for the log, not for the response. */
export interface ReadinessReport {
  readonly ok: boolean;
  readonly checks: Readonly<Record<string, Required<CheckResult>>>;
}

/** What `/readyz` sends. */
export interface PublicReadiness {
  readonly ok: boolean;
  readonly checks: Readonly<Record<string, { readonly ok: boolean; readonly detail: string }>>;
}

export async function runChecks(checks: readonly ReadinessCheck[]): Promise<ReadinessReport> {
  const results = await Promise.all(checks.map(async (check) => [check.name, await runOne(check)] as const));
  return { ok: results.every(([, r]) => r.ok), checks: Object.fromEntries(results) };
}

async function runOne(check: ReadinessCheck): Promise<Required<CheckResult>> {
  try {
    const result = await check.run();
    return { ok: result.ok, detail: result.detail, internal: result.internal ?? result.detail };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, detail: message, internal: message };
  }
}

/** The report as `/readyz` shows it: names, outcomes and public reasons only. */
export function publicReadiness(report: ReadinessReport): PublicReadiness {
  const checks = Object.entries(report.checks).map(
    ([name, result]) => [name, { ok: result.ok, detail: scrubPublicText(result.detail) }] as const,
  );
  return { ok: report.ok, checks: Object.fromEntries(checks) };
}

/**
 * Logs a check's internal message when it starts failing or fails differently, and once when it
 * recovers — not at every probe: an orchestrator asks every few seconds.
 */
export function readinessLog(log: Logger): (report: ReadinessReport) => void {
  const failing = new Map<string, string>();
  return (report) => {
    for (const [check, result] of Object.entries(report.checks)) {
      const before = failing.get(check);
      if (!result.ok && before !== result.internal) {
        failing.set(check, result.internal);
        log.warn({ check, detail: result.internal }, 'readiness check failed');
      } else if (result.ok && before !== undefined) {
        failing.delete(check);
        log.info({ check }, 'readiness check passes again');
      }
    }
  };
}

export function dataDirWritableCheck(dataDir: string): ReadinessCheck {
  return {
    name: 'dataDirWritable',
    async run() {
      const probe = join(dataDir, `.readyz-${randomUUID()}`);
      try {
        await writeFile(probe, 'ok', { mode: 0o600 });
        await unlink(probe);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? 'error';
        return {
          ok: false,
          detail: `the data dir does not take writes (${code})`,
          internal: `cannot write in the data dir ${dataDir}: ${(error as Error).message}`,
        };
      }
      return { ok: true, detail: 'the data dir takes writes', internal: `the data dir ${dataDir} takes writes` };
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
      const below = ok
        ? ''
        : `, below the floor of ${formatBytes(minFreeBytes)} (health.minFreeBytes): free some space`;
      return {
        ok,
        detail: `${formatBytes(free)} free${below}`,
        internal: `${formatBytes(free)} free under ${dataDir}${below}`,
      };
    },
  };
}

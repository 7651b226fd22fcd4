/**
 * `/readyz`'s database check on PostgreSQL: does it take a write (a temporary table, in a
 * transaction rolled back)? Answered within its own deadline, shorter than the pool's timeouts,
 * so a database that stalls makes `/readyz` say so at once instead of hanging the probe. One
 * probe at a time: an orchestrator asking every few seconds while the database stalls joins the
 * probe already waiting rather than tying up one pooled connection per request.
 */
import type { StoreReadiness } from '../ports.js';
import type { Pool } from './pool.js';

export const READINESS_TIMEOUT_MS = 2_000;

type CheckResult = Awaited<ReturnType<StoreReadiness['run']>>;

export interface PgReadinessOptions {
  /** Where the database is, for the log (no password). */
  readonly location: string;
  readonly timeoutMs?: number;
}

export function createPgReadiness(pool: Pool, options: PgReadinessOptions): StoreReadiness {
  const timeoutMs = options.timeoutMs ?? READINESS_TIMEOUT_MS;
  let probing: Promise<CheckResult> | undefined;
  return {
    name: 'databaseWritable',
    run() {
      probing ??= probe(pool, options.location).finally(() => {
        probing = undefined;
      });
      return withinDeadline(probing, timeoutMs, options.location);
    },
  };
}

async function probe(pool: Pool, location: string): Promise<CheckResult> {
  try {
    const client = await pool.connect();
    let healthy = false;
    try {
      await client.query('BEGIN');
      await client.query('CREATE TEMP TABLE IF NOT EXISTS readiness_probe (x int) ON COMMIT DROP');
      await client.query('ROLLBACK');
      healthy = true;
    } finally {
      client.release(!healthy);
    }
  } catch (error) {
    const message = (error as Error).message;
    return {
      ok: false,
      detail: `PostgreSQL does not take writes: ${message}`,
      internal: `PostgreSQL at ${location} does not take writes: ${message}`,
    };
  }
  return { ok: true, detail: 'PostgreSQL takes writes', internal: location };
}

function withinDeadline(probe: Promise<CheckResult>, timeoutMs: number, location: string): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<CheckResult>((resolve) => {
    timer = setTimeout(() => {
      const detail = `PostgreSQL did not answer within ${timeoutMs / 1000} s`;
      resolve({
        ok: false,
        detail,
        internal: `${detail} (${location}): the database stalls or the network to it does`,
      });
    }, timeoutMs);
    timer.unref();
  });
  return Promise.race([probe, late]).finally(() => clearTimeout(timer));
}

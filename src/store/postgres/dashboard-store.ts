/** STUB — replaced by the PostgreSQL dashboard reads and disk samples (helper pg-rest). */
import type { DashboardReads, DiskSamples } from '../../dashboard/ports.js';
import type { Pool } from './pool.js';

export function createPgDashboardReads(_pool: Pool): DashboardReads {
  throw new Error('not implemented yet');
}

export function createPgDiskSamples(_pool: Pool): DiskSamples {
  throw new Error('not implemented yet');
}

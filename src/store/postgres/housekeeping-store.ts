/** STUB — replaced by the PostgreSQL housekeeping stores (helper pg-rest). */
import type { AuditLog, CleanupQueue, DispatchPauses, HousekeepingSessions, RecordRetention, SweepRecords } from '../../housekeeping/ports.js';
import type { Pool } from './pool.js';

export function createPgCleanupQueue(_pool: Pool): CleanupQueue {
  throw new Error('not implemented yet');
}
export function createPgHousekeepingSessions(_pool: Pool): HousekeepingSessions {
  throw new Error('not implemented yet');
}
export function createPgDispatchPauses(_pool: Pool): DispatchPauses {
  throw new Error('not implemented yet');
}
export function createPgSweepRecords(_pool: Pool): SweepRecords {
  throw new Error('not implemented yet');
}
export function createPgAuditLog(_pool: Pool): AuditLog {
  throw new Error('not implemented yet');
}
export function createPgRecordRetention(_pool: Pool): RecordRetention {
  throw new Error('not implemented yet');
}

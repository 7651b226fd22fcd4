/**
 * Workers and leader leases on PostgreSQL: one row per worker process, renewed by heartbeats;
 * one row per leader lease, taken with a conditional upsert (held by me, or passed).
 */
import type { WorkerDisk, WorkerIdentity, WorkerRegistry, WorkerStatus } from '../../workers/ports.js';
import type { Pool } from './pool.js';

interface WorkerRow {
  id: string;
  host: string;
  pid: number;
  data_dir: string;
  started_at: number;
  heartbeat_at: number;
  lease_until: number;
  stopped_at: number | null;
  disk: string | null;
}

export function createPgWorkerRegistry(pool: Pool): WorkerRegistry {
  return {
    async register(worker: WorkerIdentity, now, leaseMs) {
      await pool.query(
        `INSERT INTO workers (id, host, pid, data_dir, started_at, heartbeat_at, lease_until)
         VALUES ($1, $2, $3, $4, $5, $5, $6)
         ON CONFLICT (id) DO UPDATE SET heartbeat_at = $5, lease_until = $6, stopped_at = NULL`,
        [worker.id, worker.host, worker.pid, worker.dataDir, now, now + leaseMs],
      );
    },
    async heartbeat(id, now, leaseMs, disk?: WorkerDisk) {
      const { rowCount } = await pool.query(
        `UPDATE workers SET heartbeat_at = $2, lease_until = $3, disk = COALESCE($4, disk)
         WHERE id = $1 AND stopped_at IS NULL AND lease_until >= $2`,
        [id, now, now + leaseMs, disk ? JSON.stringify(disk) : null],
      );
      return rowCount === 1;
    },
    async stopped(id, now) {
      await pool.query('UPDATE workers SET stopped_at = $2, lease_until = LEAST(lease_until, $2) WHERE id = $1', [
        id,
        now,
      ]);
      await pool.query('DELETE FROM leader_leases WHERE holder = $1', [id]);
    },
    async list(now, sinceMs = 24 * 3600_000) {
      const { rows } = await pool.query<WorkerRow>(
        'SELECT * FROM workers WHERE heartbeat_at >= $1 ORDER BY started_at',
        [now - sinceMs],
      );
      const ids = rows.map((row) => row.id);
      const running = await pool.query<{ worker_id: string; id: number; work_key: string; started_at: number | null }>(
        `SELECT worker_id, id, work_key, started_at FROM jobs WHERE state = 'running' AND worker_id = ANY($1) ORDER BY id`,
        [ids],
      );
      const leases = await pool.query<{ holder: string; name: string }>(
        'SELECT holder, name FROM leader_leases WHERE until >= $1 ORDER BY name',
        [now],
      );
      const statuses = rows.map(
        (row): WorkerStatus => ({
          id: row.id,
          host: row.host,
          pid: row.pid,
          dataDir: row.data_dir,
          startedAt: row.started_at,
          heartbeatAt: row.heartbeat_at,
          leaseUntil: row.lease_until,
          stoppedAt: row.stopped_at,
          alive: row.stopped_at === null && row.lease_until >= now,
          disk: row.disk ? (JSON.parse(row.disk) as WorkerDisk) : null,
          running: running.rows
            .filter((job) => job.worker_id === row.id)
            .map((job) => ({ jobId: job.id, key: job.work_key, startedAt: job.started_at })),
          leads: leases.rows.filter((lease) => lease.holder === row.id).map((lease) => lease.name),
        }),
      );
      return [...statuses.filter((s) => s.alive), ...statuses.filter((s) => !s.alive)];
    },
    async lead(name, holder, now, ttlMs) {
      const { rowCount } = await pool.query(
        `INSERT INTO leader_leases (name, holder, until) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, until = EXCLUDED.until
         WHERE leader_leases.holder = EXCLUDED.holder OR leader_leases.until < $4`,
        [name, holder, now + ttlMs, now],
      );
      return rowCount === 1;
    },
    async resign(name, holder) {
      await pool.query('DELETE FROM leader_leases WHERE name = $1 AND holder = $2', [name, holder]);
    },
  };
}

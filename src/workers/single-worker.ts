/**
 * The worker registry of the embedded (SQLite) store: one process holds the data dir (its lock
 * file says so), so it is the only worker and leads everything. Kept in memory: there is nobody
 * to tell.
 */
import type { WorkerDisk, WorkerIdentity, WorkerRegistry, WorkerStatus } from './ports.js';

export function createSingleWorkerRegistry(): WorkerRegistry {
  let me:
    | {
        identity: WorkerIdentity;
        startedAt: number;
        heartbeatAt: number;
        leaseUntil: number;
        stoppedAt: number | null;
        disk: WorkerDisk | null;
      }
    | undefined;
  const leads = new Set<string>();
  return {
    async register(identity, now, leaseMs) {
      me = { identity, startedAt: now, heartbeatAt: now, leaseUntil: now + leaseMs, stoppedAt: null, disk: null };
    },
    async heartbeat(id, now, leaseMs, disk) {
      if (!me || me.identity.id !== id || me.stoppedAt !== null) return false;
      me = { ...me, heartbeatAt: now, leaseUntil: now + leaseMs, disk: disk ?? me.disk };
      return true;
    },
    async stopped(id, now) {
      if (me?.identity.id === id) me = { ...me, stoppedAt: now, leaseUntil: Math.min(me.leaseUntil, now) };
      leads.clear();
    },
    async list(now): Promise<WorkerStatus[]> {
      if (!me) return [];
      return [
        {
          ...me.identity,
          startedAt: me.startedAt,
          heartbeatAt: me.heartbeatAt,
          leaseUntil: me.leaseUntil,
          stoppedAt: me.stoppedAt,
          alive: me.stoppedAt === null && me.leaseUntil >= now,
          disk: me.disk,
          running: [],
          leads: [...leads],
        },
      ];
    },
    async lead(name) {
      leads.add(name);
      return true;
    },
    async resign(name) {
      leads.delete(name);
    },
  };
}

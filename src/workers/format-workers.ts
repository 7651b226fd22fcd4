/** `claude-hooks workers` as a table: one line per worker, alive first. */
import { formatBytes } from '../lib/format-bytes.js';
import { formatTable } from '../lib/format-table.js';
import type { WorkerStatus } from './ports.js';

export function formatWorkers(workers: readonly WorkerStatus[], now: number): string {
  if (workers.length === 0) return 'no worker has registered in the last day\n';
  const ago = (at: number) => `${Math.max(0, Math.round((now - at) / 1000))}s ago`;
  return formatTable(
    ['WORKER', 'STATE', 'HEARTBEAT', 'RUNNING', 'LEADS', 'FREE DISK', 'WORKTREES', 'DATA DIR'],
    workers.map((w) => [
      w.id,
      w.alive ? 'alive' : w.stoppedAt !== null ? 'stopped' : 'lease passed',
      ago(w.heartbeatAt),
      w.running.length === 0 ? '-' : w.running.map((job) => `#${job.jobId} ${job.key}`).join(', '),
      w.leads.join(', ') || '-',
      w.disk ? formatBytes(w.disk.freeBytes) : '-',
      w.disk ? formatBytes(w.disk.worktreesBytes) : '-',
      w.dataDir,
    ]),
  );
}

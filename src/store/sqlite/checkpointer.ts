/**
 * WAL checkpoints off the event loop. Automatic checkpoints are turned off on the service's
 * connection (`wal_autocheckpoint=0`), because SQLite runs them inside a commit — copying pages
 * into the database file and fsyncing it on the thread that serves webhooks. Instead a worker
 * thread with its own connection runs a PASSIVE checkpoint (which never blocks writers) every
 * interval, keeping the WAL small without stalling the intake.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
const checkpoint = () => { try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (error) { parentPort.postMessage({ error: String(error) }); } };
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message === 'stop') { clearInterval(timer); checkpoint(); db.close(); parentPort.postMessage('stopped'); }
});
`;

export interface Checkpointer {
  stop(): Promise<void>;
}

export function startCheckpointer(
  file: string,
  options: { intervalMs?: number; onError?: (message: string) => void } = {},
): Checkpointer {
  const module = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: { file, module, intervalMs: options.intervalMs ?? 1000 },
  });
  worker.on('message', (message: unknown) => {
    if (typeof message === 'object' && message !== null && 'error' in message)
      options.onError?.(String((message as { error: unknown }).error));
  });
  // After the listener: attaching a 'message' listener refs the worker again.
  worker.unref();
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        worker.once('message', () => void worker.terminate().then(() => resolve()));
        worker.once('error', () => resolve());
        worker.ref(); // keep the process up until the last checkpoint is done
        worker.postMessage('stop');
      }),
  };
}

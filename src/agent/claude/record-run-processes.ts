/**
 * Stores the processes of a run's runtimes on its record as they are spawned, so a later start of
 * the service can end what a killed one left running (`agent/leftover-processes.ts`). The early
 * runtime is spawned before the run's record exists: what is spawned before `started` is kept and
 * stored then. Each pid is stored with its start time, read at once, while it is surely the same
 * process. A write that fails is logged and never fails the run.
 */
import type { Logger } from '../../lib/logger.js';
import type { RunProcess, RunRecords } from '../../sessions/ports.js';
import { identify, thisHost } from '../leftover-processes.js';
import type { SpawnedRuntime } from './runtime-processes.js';

export interface RunProcessRecorder {
  /** For `createRuntimeProcesses`' `onSpawn`. */
  readonly spawned: (runtime: SpawnedRuntime) => void;
  /** The run's record exists: what was spawned is stored, and what is spawned later as it comes. */
  started(runId: number): void;
  /** Resolves once every write so far is done (or failed and was logged). */
  stored(): Promise<void>;
}

export function recordRunProcesses(runs: Pick<RunRecords, 'processes'>, log: Logger): RunProcessRecorder {
  const host = thisHost();
  const list: RunProcess[] = [];
  let mark: string | undefined;
  let runId: number | undefined;
  let writing = Promise.resolve();

  const store = () => {
    if (runId === undefined || host === undefined || mark === undefined) return;
    const id = runId;
    const processes = { host, list: [...list], mark };
    writing = writing
      .then(() => runs.processes(id, processes))
      .catch((error: unknown) => log.warn({ err: error, runId: id }, 'could not store the processes of a run'));
  };

  return {
    spawned(runtime) {
      const identified = identify(runtime.pid);
      if (identified) list.push(identified);
      mark = runtime.mark;
      store();
    },
    started(id) {
      runId = id;
      store();
    },
    stored: () => writing,
  };
}

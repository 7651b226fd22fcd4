/**
 * What each running job is doing now, as its status comment last said it ("working: Bash …"),
 * kept in memory for the dashboard's queue. A reporter wrapped here records every update it is
 * given; a finished run leaves nothing behind.
 */
import type { RunStatus } from './types.js';

interface Reporter {
  update(status: RunStatus): Promise<void>;
  withdraw?(): Promise<void>;
  readonly commentId: number | undefined;
}

export interface LiveStatus {
  /** The reporter, with its updates also recorded for `jobId`. */
  track<R extends Reporter>(jobId: number, reporter: R): Reporter;
  /** The job's current activity, while it runs. */
  of(jobId: number): string | undefined;
}

export function createLiveStatus(): LiveStatus {
  const lines = new Map<number, string>();
  return {
    track(jobId, reporter) {
      return {
        update(status) {
          if (status.phase === 'working') lines.set(jobId, status.activity);
          else lines.delete(jobId);
          return reporter.update(status);
        },
        withdraw() {
          lines.delete(jobId);
          return reporter.withdraw?.() ?? Promise.resolve();
        },
        get commentId() {
          return reporter.commentId;
        },
      };
    },
    of: (jobId) => lines.get(jobId),
  };
}

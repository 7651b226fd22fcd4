/**
 * `createStatusReporter`: keeps one run's status comment on its issue or PR. The first update
 * posts the comment; later ones edit it in place. `working` updates are rate-limited (at most one
 * edit per `minEditIntervalMs`, 10 s by default; the ones in between are dropped, the next
 * goes out); the first `working` after another phase and every other update always go out. Updates run one at a time in the order given.
 *
 * A status comment never fails a run: forge errors are logged and swallowed. An edit the forge
 * answers with 404 (someone deleted the comment) posts a fresh comment instead.
 */
import { ForgeApiError, type ForgeClient } from '../../forge/client.js';
import type { RepoRef } from '../../forge/events.js';
import { systemClock, type Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import { renderStatus } from './render-status.js';
import type { RunStatus } from './types.js';

export interface StatusReporterOptions {
  readonly client: ForgeClient;
  readonly repo: RepoRef;
  readonly issue: number;
  readonly agent: string;
  readonly jobId: number;
  readonly log: Logger;
  readonly clock?: Clock;
  /** When the run started, for the `working` line. */
  readonly startedAt?: number;
  /** 10 000 when omitted. */
  readonly minEditIntervalMs?: number;
  /** A comment this job posted before (a retried run): edited instead of posting another. */
  readonly commentId?: number;
  /** The service's redactor: secrets in the run's text never reach the forge. */
  readonly redact?: (text: string) => string;
}

export interface StatusReporter {
  /** Resolves once the comment is posted or edited (or the attempt failed and was logged). */
  update(status: RunStatus): Promise<void>;
  /** The status comment's id once posted; the runner stores it (see `finaliseOrphaned`). */
  readonly commentId: number | undefined;
}

export function createStatusReporter(options: StatusReporterOptions): StatusReporter {
  const { client, repo, issue, agent, jobId } = options;
  const clock = options.clock ?? systemClock;
  const minInterval = options.minEditIntervalMs ?? 10_000;
  const log = options.log.child({ jobId, agent, repo: repo.fullName, issue });
  let commentId = options.commentId;
  /** When the last `working` status went out; a phase change resets it. */
  let lastWorking: number | undefined;
  let queue: Promise<void> = Promise.resolve();

  async function post(body: string): Promise<void> {
    commentId = (await client.createComment(repo.fullName, issue, body)).id;
  }

  async function write(status: RunStatus): Promise<void> {
    const body = renderStatus(status, { agent, jobId, startedAt: options.startedAt, redact: options.redact });
    try {
      if (commentId === undefined) await post(body);
      else await editOrRepost(commentId, body);
      lastWorking = status.phase === 'working' ? clock.now() : undefined;
    } catch (error) {
      log.warn({ err: error, phase: status.phase }, 'status comment not updated');
    }
  }

  async function editOrRepost(id: number, body: string): Promise<void> {
    try {
      await client.editComment(repo.fullName, id, body);
    } catch (error) {
      if (!(error instanceof ForgeApiError && error.status === 404)) throw error;
      log.info({ commentId: id }, 'status comment is gone; posting a new one');
      await post(body);
    }
  }

  return {
    update(status) {
      queue = queue.then(() => {
        const tooSoon = status.phase === 'working' && lastWorking !== undefined && clock.now() - lastWorking < minInterval;
        return tooSoon ? undefined : write(status);
      });
      return queue;
    },
    get commentId() {
      return commentId;
    },
  };
}

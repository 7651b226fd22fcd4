/**
 * `createStatusReporter`: keeps one run's status comment on its issue or PR. The first update
 * posts the comment; later ones edit it in place. `working` updates are rate-limited (at most one
 * edit per `minEditIntervalMs`, 10 s by default; the ones in between are dropped, the next
 * goes out); the first `working` after another phase and every other update always go out. Updates run one at a time in the order given.
 *
 * A status comment never fails a run: forge errors are logged and swallowed. An edit the forge
 * answers with 404 (someone deleted the comment) posts a fresh comment instead.
 *
 * One comment per job, whatever is lost: a POST with no clear answer (none at all, or a 5xx) may
 * still have made the comment, so the reporter looks for it by its marker (`find-status-comment.ts`)
 * and edits it rather than posting another; a retried job (`attempt` > 1) looks before its first
 * post. Once a comment may have a twin (the forge made the lost one after the lookup missed it),
 * the `finished` update removes every one but the comment it edits.
 *
 * `withdraw` takes the comment down again: a run that posted `working` as soon as it was begun
 * (decisions.md §50) and then did not go ahead, with nothing to say (no worktree to be had, or
 * nothing new to answer), leaves no comment behind — as if it had never been posted.
 */
import { ForgeApiError, type ForgeClient } from '../../forge/client.js';
import type { RepoRef } from '../../core/events.js';
import { systemClock, type Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import { findStatusComments, removeTwins, type StatusCommentQuery } from './find-status-comment.js';
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
  /** The job's attempt, 1 when omitted: a later one first looks for the comment an earlier one left. */
  readonly attempt?: number;
  /** The agent's forge login, to recognise its own comments; asked of the forge when omitted. */
  readonly login?: string;
  /** The service's redactor: secrets in the run's text never reach the forge. */
  readonly redact?: (text: string) => string;
}

export interface StatusReporter {
  /** Resolves once the comment is posted or edited (or the attempt failed and was logged). */
  update(status: RunStatus): Promise<void>;
  /**
   * Deletes this job's status comment (every one of its comments, when a lost answer may have left
   * a twin), after the updates given before; resolves once done, or once the failure is logged.
   */
  withdraw(): Promise<void>;
  /** The status comment's id once posted; the runner stores it (see `finaliseOrphaned`). */
  readonly commentId: number | undefined;
}

export function createStatusReporter(options: StatusReporterOptions): StatusReporter {
  const { client, repo, issue, agent, jobId } = options;
  const clock = options.clock ?? systemClock;
  const minInterval = options.minEditIntervalMs ?? 10_000;
  const log = options.log.child({ jobId, agent, repo: repo.fullName, issue });
  let commentId = options.commentId;
  /** A comment of this job may be on the forge that `commentId` does not name: look before posting, and leave one at the end. */
  let unsure = commentId === undefined && (options.attempt ?? 1) > 1;
  const query: StatusCommentQuery = { client, repo: repo.fullName, issue, jobId, login: options.login };
  /** When the last `working` status went out; a phase change resets it. */
  let lastWorking: number | undefined;
  let queue: Promise<void> = Promise.resolve();

  async function post(body: string, again = true): Promise<void> {
    const found = unsure ? await lookup() : undefined;
    if (found !== undefined) {
      commentId = found;
      await client.editComment(repo.fullName, found, body);
      return;
    }
    try {
      commentId = (await client.createComment(repo.fullName, issue, body)).id;
    } catch (error) {
      if (!again || !answerLost(error)) throw error;
      unsure = true;
      log.warn({ err: error }, 'status comment post got no clear answer; looking for it by its marker');
      await post(body, false);
    }
  }

  /** The oldest of this job's comments on the forge; undefined when there is none or the forge cannot say (logged). */
  async function lookup(): Promise<number | undefined> {
    try {
      const found = await findStatusComments(query);
      if (found[0] !== undefined) log.info({ commentId: found[0].id }, 'status comment found by its marker');
      return found[0]?.id;
    } catch (error) {
      log.warn({ err: error }, 'status comment not looked up by its marker');
      return undefined;
    }
  }

  async function leaveOne(keep: number): Promise<void> {
    try {
      const removed = await removeTwins(query, keep);
      if (removed.length > 0) log.info({ commentId: keep, removed }, 'status comment twins removed');
    } catch (error) {
      log.warn({ err: error, commentId: keep }, 'status comment twins not removed');
    }
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
    if (status.phase === 'finished' && unsure && commentId !== undefined) await leaveOne(commentId);
  }

  async function remove(): Promise<void> {
    try {
      const ids = unsure ? (await findStatusComments(query)).map((comment) => comment.id) : [];
      if (commentId !== undefined && !ids.includes(commentId)) ids.push(commentId);
      // A comment already gone is answered 404, which the client takes as done.
      for (const id of ids) await client.deleteComment(repo.fullName, id);
      if (ids.length > 0) log.info({ removed: ids }, 'status comment withdrawn: the run did not go ahead');
      commentId = undefined;
      unsure = false;
      lastWorking = undefined;
    } catch (error) {
      log.warn({ err: error, commentId }, 'status comment not withdrawn');
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
        const tooSoon =
          status.phase === 'working' && lastWorking !== undefined && clock.now() - lastWorking < minInterval;
        return tooSoon ? undefined : write(status);
      });
      return queue;
    },
    withdraw() {
      queue = queue.then(remove);
      return queue;
    },
    get commentId() {
      return commentId;
    },
  };
}

/** No answer at all (status 0) or a server error: the forge may have made the comment anyway. */
function answerLost(error: unknown): boolean {
  return error instanceof ForgeApiError && (error.status === 0 || error.status >= 500);
}

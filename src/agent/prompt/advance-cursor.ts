/**
 * The cursor after a prompt: everything the prompt was built from counts as seen — every event
 * of the job, every comment and review read (including the agent's own, which it need not be
 * told about), and the thread's head, state and labels as they are now.
 */
import type { CommentRef } from '../../core/events.js';
import type { StoredEvent } from '../../core/stored-event.js';
import type { SessionCursor } from '../../sessions/cursor.js';
import type { Thread } from './thread.js';

export const EMPTY_CURSOR: SessionCursor = {
  lastEventId: 0,
  lastCommentId: 0,
  lastCommentUpdatedAt: null,
  lastReviewId: 0,
  headSha: null,
  issueState: null,
  labels: [],
};

export function advanceCursor(
  previous: SessionCursor | undefined,
  thread: Thread,
  comments: readonly CommentRef[],
  events: readonly StoredEvent[],
): SessionCursor {
  const from = previous ?? EMPTY_CURSOR;
  return {
    lastEventId: Math.max(from.lastEventId, ...events.map((stored) => stored.id)),
    lastCommentId: Math.max(from.lastCommentId, ...comments.map((comment) => comment.id)),
    lastCommentUpdatedAt: latest(
      from.lastCommentUpdatedAt,
      comments.map((comment) => comment.updatedAt),
    ),
    lastReviewId: Math.max(from.lastReviewId, ...(thread.pull?.reviews ?? []).map((review) => review.id)),
    headSha: thread.pull?.ref.headSha ?? null,
    issueState: thread.issue.state,
    labels: [...thread.issue.labels],
  };
}

/** The latest of RFC 3339 times, kept as the forge wrote it; compared as instants, not strings. */
function latest(current: string | null, times: readonly string[]): string | null {
  let best = current;
  for (const candidate of times) {
    if (Number.isNaN(Date.parse(candidate))) continue;
    if (best === null || Date.parse(candidate) > Date.parse(best)) best = candidate;
  }
  return best;
}

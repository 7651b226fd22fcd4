/**
 * What an agent has already been shown of its issue or PR, kept with its session so that a
 * resumed session is sent only what is new (the delta), never twice and never with a gap.
 * Written by the prompt builder (`agent/prompt/`), stored by the session store.
 */
export interface SessionCursor {
  /** The last stored event id the agent was given (0: none yet). */
  readonly lastEventId: number;
  /** The highest comment id shown, and the newest `updated_at` among shown comments (RFC 3339). */
  readonly lastCommentId: number;
  readonly lastCommentUpdatedAt: string | null;
  /** The highest review id shown (0: none, or the forge gives no ids). */
  readonly lastReviewId: number;
  /** The PR head the agent last saw, for a PR (a push by someone else is news). */
  readonly headSha: string | null;
  readonly issueState: 'open' | 'closed' | null;
  readonly labels: readonly string[];
}

/**
 * Pull-request and review payloads → `pull_request` and `review` events. As with issues, one
 * handler serves the whole family (`pull_request`, `pull_request_sync`,
 * `pull_request_review_request`, …) and the `action` decides.
 */
import type { PullAction, ReviewState } from '../../core/events.js';
import { err } from '../../lib/result.js';
import { drafted, eventBase, ignored, pickAction, type Handler } from './draft.js';
import { parsePayload } from './payload-problem.js';
import { toPull, toUser } from './refs.js';
import { GiteaReviewPayload, GithubReviewPayload, PullPayload } from './schema.js';

export function pullHandler(actions: Readonly<Record<string, PullAction>>): Handler {
  return (body, context) => {
    const picked = pickAction(body, context, actions);
    if (!picked.ok) return picked;
    if ('ignored' in picked.value) return ignored(picked.value.ignored);
    const { action } = picked.value;

    const payload = parsePayload(PullPayload, body);
    if (!payload.ok) return err(payload.error);
    const base = eventBase(payload.value, context);
    if (!base.ok) return base;

    const assignee = payload.value.assignee?.login;
    const event = {
      ...base.value,
      type: 'pull_request',
      action,
      pull: toPull(payload.value.pull_request),
      ...(assignee !== undefined ? { assignee } : {}),
    } as const;
    if (action !== 'review_requested' && action !== 'review_request_removed') return drafted(event);

    const reviewer = payload.value.requested_reviewer?.login;
    if (reviewer !== undefined) return drafted({ ...event, requestedReviewer: reviewer });
    // Agents are users; a team's review request names no one they could act as.
    const team = payload.value.requested_team?.slug;
    return ignored(
      team === undefined
        ? `${action} names no reviewer`
        : `${action} for team '${team}' is not handled: only users are`,
    );
  };
}

const GITEA_REVIEW_STATES: Readonly<Record<string, ReviewState>> = {
  pull_request_review_approved: 'approved',
  pull_request_review_rejected: 'changes_requested',
  pull_request_review_comment: 'comment',
};

/**
 * Gitea/Forgejo: the event type says which review it is, `review.content` its text, and the
 * reviewer is the `sender`. The payload has no review id (0 in the event).
 */
export const giteaReviewHandler: Handler = (body, context) => {
  const picked = pickAction(body, context, { reviewed: 'reviewed' });
  if (!picked.ok) return picked;
  if ('ignored' in picked.value) return ignored(picked.value.ignored);

  const payload = parsePayload(GiteaReviewPayload, body);
  if (!payload.ok) return err(payload.error);
  const { review, pull_request: pull, sender } = payload.value;
  const state = stateOf(GITEA_REVIEW_STATES, context.eventType) ?? stateOf(GITEA_REVIEW_STATES, review.type ?? '');
  if (state === undefined)
    return ignored(`review of type '${review.type ?? ''}' in event type '${context.eventType}' is not handled`);
  const base = eventBase(payload.value, context);
  if (!base.ok) return base;

  return drafted({
    ...base.value,
    type: 'review',
    state,
    pull: toPull(pull),
    review: { id: 0, body: review.content ?? '', author: toUser(sender) },
  });
};

const GITHUB_REVIEW_STATES: Readonly<Record<string, ReviewState>> = {
  approved: 'approved',
  changes_requested: 'changes_requested',
  commented: 'comment',
};

/** GitHub: a submitted review, by `review.user`; edits and dismissals are ignored. */
export const githubReviewHandler: Handler = (body, context) => {
  const picked = pickAction(body, context, { submitted: 'submitted' });
  if (!picked.ok) return picked;
  if ('ignored' in picked.value) return ignored(picked.value.ignored);

  const payload = parsePayload(GithubReviewPayload, body);
  if (!payload.ok) return err(payload.error);
  const { review, pull_request: pull } = payload.value;
  const state = stateOf(GITHUB_REVIEW_STATES, review.state.toLowerCase());
  if (state === undefined) return ignored(`review in state '${review.state}' is not handled`);
  const base = eventBase(payload.value, context);
  if (!base.ok) return base;

  return drafted({
    ...base.value,
    type: 'review',
    state,
    pull: toPull(pull),
    review: { id: review.id, body: review.body ?? '', author: toUser(review.user) },
  });
};

function stateOf(states: Readonly<Record<string, ReviewState>>, key: string): ReviewState | undefined {
  return Object.hasOwn(states, key) ? states[key] : undefined;
}

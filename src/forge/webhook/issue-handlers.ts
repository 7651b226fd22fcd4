/**
 * Issue and comment payloads → `issue` and `comment` events. One handler per family serves every
 * event type of it (Gitea splits issues into `issues`, `issue_assign`, `issue_label`, …; GitHub
 * does not), so the payload's `action` decides, whatever the event type said.
 */
import type { IssueAction } from '../../core/events.js';
import { err } from '../../lib/result.js';
import { drafted, eventBase, ignored, pickAction, type Handler } from './draft.js';
import { parsePayload } from './payload-problem.js';
import { toComment, toIssue, toPull } from './refs.js';
import { CommentPayload, IssuePayload } from './schema.js';

export function issueHandler(actions: Readonly<Record<string, IssueAction>>): Handler {
  return (body, context) => {
    const picked = pickAction(body, context, actions);
    if (!picked.ok) return picked;
    if ('ignored' in picked.value) return ignored(picked.value.ignored);
    const { action } = picked.value;

    const payload = parsePayload(IssuePayload, body);
    if (!payload.ok) return err(payload.error);
    const base = eventBase(payload.value, context);
    if (!base.ok) return base;

    const assignee = action === 'assigned' || action === 'unassigned' ? payload.value.assignee?.login : undefined;
    return drafted({
      ...base.value,
      type: 'issue',
      action,
      issue: toIssue(payload.value.issue),
      ...(assignee === undefined ? {} : { assignee }),
    });
  };
}

const COMMENT_ACTIONS = { created: 'created', edited: 'edited' } as const;

/**
 * `onPull`: the event type itself says the comment is on a PR (Gitea's `pull_request_comment`).
 * Otherwise `is_pull`, or in payloads older than it (2018 Gitea, GitHub) a non-null
 * `issue.pull_request`, tells.
 */
export function commentHandler(options: { readonly onPull?: boolean } = {}): Handler {
  return (body, context) => {
    const picked = pickAction(body, context, COMMENT_ACTIONS);
    if (!picked.ok) return picked;
    if ('ignored' in picked.value) return ignored(picked.value.ignored);

    const payload = parsePayload(CommentPayload, body);
    if (!payload.ok) return err(payload.error);
    const base = eventBase(payload.value, context);
    if (!base.ok) return base;

    const { issue, comment, pull_request: pull, is_pull: isPull } = payload.value;
    return drafted({
      ...base.value,
      type: 'comment',
      action: picked.value.action,
      issue: toIssue(issue, {
        isPull: options.onPull === true || isPull === true || (pull !== null && pull !== undefined),
      }),
      ...(pull === null || pull === undefined ? {} : { pull: toPull(pull) }),
      comment: toComment(comment),
    });
  };
}

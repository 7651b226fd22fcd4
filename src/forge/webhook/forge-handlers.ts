/**
 * Which handler reads which event type, per forge. Forgejo and Gitea share one table, keyed by
 * the event-TYPE header: `pull_request_comment` there is a comment in a PR's conversation, while
 * the same word in the coarse event header means a review comment (see PROTOCOL.md). GitHub's is
 * keyed by `x-github-event`. An event type missing here is ignored, not refused.
 *
 * Check results come as `status`, `workflow_run` and `workflow_job` from both (Gitea copied
 * GitHub's), and from Forgejo as `action_run_failure`/`_success`/`_recover` (coarse event
 * `action_run`, read too should a delivery carry only that: the body's `action` says which).
 * GitHub's `check_run` and `check_suite` stay ignored: its Actions results also come as
 * `workflow_run`/`workflow_job`.
 */
import type { ForgeKind, IssueAction, PullAction } from '../../core/events.js';
import { forgejoActionRunHandler, statusHandler, workflowJobHandler, workflowRunHandler } from './check-handlers.js';
import type { Handler } from './draft.js';
import { commentHandler, issueHandler } from './issue-handlers.js';
import { giteaReviewHandler, githubReviewHandler, pullHandler } from './pull-handlers.js';
import { deleteHandler, pingHandler, pushHandler, repositoryHandler } from './ref-handlers.js';

const COMMON_ISSUE_ACTIONS = {
  opened: 'opened',
  edited: 'edited',
  closed: 'closed',
  reopened: 'reopened',
  deleted: 'deleted',
  assigned: 'assigned',
  unassigned: 'unassigned',
} as const satisfies Record<string, IssueAction>;

const COMMON_PULL_ACTIONS = {
  opened: 'opened',
  edited: 'edited',
  closed: 'closed',
  reopened: 'reopened',
  review_requested: 'review_requested',
  review_request_removed: 'review_request_removed',
  assigned: 'assigned',
  unassigned: 'unassigned',
} as const satisfies Record<string, PullAction>;

/** Gitea sends the whole label set after a change, with no diff. */
const GITEA_LABEL_ACTIONS = { label_updated: 'labelled', label_cleared: 'labelled' } as const;
const GITHUB_LABEL_ACTIONS = { labeled: 'labelled', unlabeled: 'labelled' } as const;

const giteaIssues = issueHandler({ ...COMMON_ISSUE_ACTIONS, ...GITEA_LABEL_ACTIONS });
const giteaPulls = pullHandler({ ...COMMON_PULL_ACTIONS, ...GITEA_LABEL_ACTIONS, synchronized: 'synchronized' });

const GITEA_HANDLERS: Readonly<Record<string, Handler>> = {
  issues: giteaIssues,
  issue_assign: giteaIssues,
  issue_label: giteaIssues,
  issue_milestone: giteaIssues,
  issue_comment: commentHandler(),
  pull_request_comment: commentHandler({ onPull: true }),
  pull_request: giteaPulls,
  pull_request_sync: giteaPulls,
  pull_request_review_request: giteaPulls,
  pull_request_assign: giteaPulls,
  pull_request_label: giteaPulls,
  pull_request_milestone: giteaPulls,
  pull_request_review_approved: giteaReviewHandler,
  pull_request_review_rejected: giteaReviewHandler,
  pull_request_review_comment: giteaReviewHandler,
  // Newer Gitea names the review group for Actions; should a hook send it, `review.type` says which.
  pull_request_review: giteaReviewHandler,
  delete: deleteHandler,
  push: pushHandler,
  repository: repositoryHandler,
  status: statusHandler,
  workflow_run: workflowRunHandler,
  workflow_job: workflowJobHandler,
  action_run_failure: forgejoActionRunHandler,
  action_run_success: forgejoActionRunHandler,
  action_run_recover: forgejoActionRunHandler,
  action_run: forgejoActionRunHandler,
  ping: pingHandler,
};

const GITHUB_HANDLERS: Readonly<Record<string, Handler>> = {
  issues: issueHandler({ ...COMMON_ISSUE_ACTIONS, ...GITHUB_LABEL_ACTIONS }),
  issue_comment: commentHandler(),
  pull_request: pullHandler({ ...COMMON_PULL_ACTIONS, ...GITHUB_LABEL_ACTIONS, synchronize: 'synchronized' }),
  pull_request_review: githubReviewHandler,
  delete: deleteHandler,
  push: pushHandler,
  repository: repositoryHandler,
  status: statusHandler,
  workflow_run: workflowRunHandler,
  workflow_job: workflowJobHandler,
  ping: pingHandler,
};

const HANDLERS: Readonly<Record<ForgeKind, Readonly<Record<string, Handler>>>> = {
  forgejo: GITEA_HANDLERS,
  gitea: GITEA_HANDLERS,
  github: GITHUB_HANDLERS,
};

export function handlerFor(forge: ForgeKind, eventType: string): Handler | undefined {
  const table = HANDLERS[forge];
  return Object.hasOwn(table, eventType) ? table[eventType] : undefined;
}

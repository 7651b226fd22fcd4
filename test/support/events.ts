/**
 * Normalised events for tests, built the way the intake builds them (fingerprint included), so
 * dispatch tests can speak in stories: "alice comments on #7", "boss is mentioned".
 */
import type {
  CommentEvent,
  ForgeEvent,
  IssueEvent,
  IssueRef,
  PullEvent,
  PullRef,
  RepoRef,
  ReviewEvent,
  ReviewState,
  UserRef,
} from '../../src/core/events.js';
import { fingerprintOf } from '../../src/forge/webhook/fingerprint.js';

export const REPO: RepoRef = {
  host: 'forge.test',
  owner: 'acme',
  name: 'widget',
  fullName: 'acme/widget',
  cloneUrl: 'http://forge.test/acme/widget.git',
  defaultBranch: 'main',
  private: false,
};

let nextId = 1000;
const at = (offsetSeconds: number) => new Date(Date.parse('2026-11-01T10:00:00Z') + offsetSeconds * 1000).toISOString();

export function user(login: string): UserRef {
  return { login, id: login.length * 97 };
}

export function issueRef(number: number, overrides: Partial<IssueRef> = {}): IssueRef {
  return {
    number,
    title: `Issue ${number}`,
    body: '',
    author: user('alice'),
    state: 'open',
    isPull: false,
    labels: [],
    assignees: [],
    updatedAt: at(0),
    createdAt: at(0),
    ...overrides,
  };
}

export function pullRef(number: number, overrides: Partial<PullRef> = {}): PullRef {
  return {
    number,
    title: `PR ${number}`,
    body: '',
    author: user('dev'),
    state: 'open',
    merged: false,
    headRef: 'issue-7-fix-login',
    headSha: 'a'.repeat(40),
    baseRef: 'main',
    labels: [],
    assignees: [],
    requestedReviewers: [],
    updatedAt: at(0),
    ...overrides,
  };
}

function finish<T extends ForgeEvent>(draft: Omit<T, 'fingerprint'>): T {
  return { ...draft, fingerprint: fingerprintOf(draft as never) } as T;
}

export function issueOpened(number: number, by = 'alice', body = '', repo = REPO): IssueEvent {
  return finish<IssueEvent>({
    type: 'issue',
    action: 'opened',
    forge: 'forgejo',
    repo,
    actor: user(by),
    issue: issueRef(number, { body, author: user(by) }),
  });
}

export function issueAssigned(number: number, assignee: string, by = 'alice', repo = REPO): IssueEvent {
  return finish<IssueEvent>({
    type: 'issue',
    action: 'assigned',
    forge: 'forgejo',
    repo,
    actor: user(by),
    assignee,
    issue: issueRef(number, { assignees: [assignee], updatedAt: at(nextId++) }),
  });
}

export function commented(
  number: number,
  by: string,
  body: string,
  options: { repo?: RepoRef; pull?: PullRef; id?: number } = {},
): CommentEvent {
  const id = options.id ?? nextId++;
  return finish<CommentEvent>({
    type: 'comment',
    action: 'created',
    forge: 'forgejo',
    repo: options.repo ?? REPO,
    actor: user(by),
    issue: issueRef(number, { isPull: options.pull !== undefined }),
    ...(options.pull ? { pull: options.pull } : {}),
    comment: {
      id,
      body,
      author: user(by),
      createdAt: at(id),
      updatedAt: at(id),
      htmlUrl: `http://forge.test/acme/widget/issues/${number}#issuecomment-${id}`,
    },
  });
}

/** Gitea's `issue_label` event: the whole label set after the change, no diff. */
export function issueLabelled(number: number, labels: readonly string[], by = 'alice', repo = REPO): IssueEvent {
  return finish<IssueEvent>({
    type: 'issue',
    action: 'labelled',
    forge: 'forgejo',
    repo,
    actor: user(by),
    issue: issueRef(number, { labels, updatedAt: at(nextId++) }),
  });
}

export function pullAssigned(pull: PullRef, assignees: readonly string[], by = 'alice'): PullEvent {
  return finish<PullEvent>({
    type: 'pull_request',
    action: 'assigned',
    forge: 'forgejo',
    repo: REPO,
    actor: user(by),
    pull: { ...pull, assignees, updatedAt: at(nextId++) },
  });
}

export function reviewRequested(pull: PullRef, reviewer: string, by = 'dev'): PullEvent {
  return finish<PullEvent>({
    type: 'pull_request',
    action: 'review_requested',
    forge: 'forgejo',
    repo: REPO,
    actor: user(by),
    pull,
    requestedReviewer: reviewer,
  });
}

export function reviewed(pull: PullRef, state: ReviewState, by = 'reviewer', body = ''): ReviewEvent {
  const id = nextId++;
  return finish<ReviewEvent>({
    type: 'review',
    state,
    forge: 'forgejo',
    repo: REPO,
    actor: user(by),
    pull,
    review: { id, body, author: user(by) },
  });
}

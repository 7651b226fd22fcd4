/**
 * Issue and comment changes (shared by issues and PRs, which Gitea stores as issues), each
 * followed by the webhook Forgejo sends for it (`services/webhook/notifier.go`).
 */
import { ForgeRefusal, issueIn, mayWrite, repoFor, type OperationContext } from './operation-context.js';
import { commentPayload, issuePayload, pullPayload } from './payloads.js';
import {
  dependenciesOf,
  type CommentRecord,
  type CommentWrite,
  type IssueRecord,
  type RepoRecord,
  type TimelineRecord,
} from './state.js';

/** A new open issue (a PR adds its `pull` part), numbered in the repository's shared sequence. */
export function newIssue(
  ctx: OperationContext,
  repo: RepoRecord,
  author: string,
  input: { title: string; body?: string },
): IssueRecord {
  const now = ctx.state.now();
  return {
    id: ctx.state.nextId('issue'),
    repo: repo.fullName,
    number: repo.nextIndex++,
    author,
    title: input.title,
    body: input.body ?? '',
    state: 'open',
    labels: [],
    assignees: [],
    createdAt: now,
    updatedAt: now,
    closedAt: null,
  };
}

/** `labelIds` as `CreateIssueOption.labels`: ids only; an id the repository lacks is refused, as Gitea does. */
export function openIssue(
  ctx: OperationContext,
  actor: string,
  repoName: string,
  input: { title: string; body?: string; labelIds?: readonly number[] },
): IssueRecord {
  const repo = repoFor(ctx, actor, repoName, 'read');
  if (input.title.trim() === '') throw new ForgeRefusal('invalid', 'title must not be empty');
  const labels = (input.labelIds ?? []).map((id) => {
    const label = repo.labels.find((candidate) => candidate.id === id);
    if (label === undefined) throw new ForgeRefusal('invalid', `label ${id} does not exist in ${repo.fullName}`);
    return label.name;
  });
  if (labels.length > 0 && !mayWrite(ctx, repo, actor))
    throw new ForgeRefusal('forbidden', `${actor} may not label issues in ${repo.fullName}`);
  const issue = newIssue(ctx, repo, actorLogin(ctx, actor), input);
  issue.labels = labels;
  ctx.state.issues.push(issue);
  ctx.hooks.emit('issues', issuePayload(ctx.render, 'opened', issue, issue.author));
  // Gitea's `services/issue.NewIssue` then notifies the labels it was created with.
  if (labels.length > 0) ctx.hooks.emit('issue_label', issuePayload(ctx.render, 'label_updated', issue, issue.author));
  return issue;
}

export function createComment(
  ctx: OperationContext,
  actor: string,
  repoName: string,
  number: number,
  body: string,
): CommentRecord {
  const repo = repoFor(ctx, actor, repoName, 'read');
  const issue = issueIn(ctx, repo, number);
  if (body.trim() === '') throw new ForgeRefusal('invalid', 'comment body must not be empty');
  const now = ctx.state.now();
  const comment: CommentRecord = {
    id: ctx.state.nextId('comment'),
    repo: repo.fullName,
    issueNumber: number,
    author: actorLogin(ctx, actor),
    body,
    createdAt: now,
    updatedAt: now,
  };
  ctx.state.comments.push(comment);
  recordWrite(ctx, comment, 'created');
  issue.updatedAt = now;
  ctx.hooks.emit(
    issue.pull === undefined ? 'issue_comment' : 'pull_request_comment',
    commentPayload(ctx.render, 'created', comment, comment.author),
  );
  return comment;
}

/** The write is visible from here on: a GET now returns it. */
function recordWrite(ctx: OperationContext, comment: CommentRecord, action: CommentWrite['action']): void {
  const { id, repo, issueNumber, author, body } = comment;
  ctx.state.commentWrites.push({ id, repo, issueNumber, author, action, body, at: ctx.state.nowMs() });
}

export function commentIn(ctx: OperationContext, repo: RepoRecord, id: number): CommentRecord {
  const comment = ctx.state.comments.find((candidate) => candidate.id === id && candidate.repo === repo.fullName);
  if (comment === undefined) throw new ForgeRefusal('not-found', `comment ${id} not found in ${repo.fullName}`);
  return comment;
}

export function editComment(
  ctx: OperationContext,
  actor: string,
  repoName: string,
  id: number,
  body: string,
): CommentRecord {
  const repo = repoFor(ctx, actor, repoName, 'read');
  const comment = commentIn(ctx, repo, id);
  const login = actorLogin(ctx, actor);
  if (comment.author !== login && !mayWrite(ctx, repo, login))
    throw new ForgeRefusal('forbidden', `${login} may not edit comment ${id}`);
  const from = comment.body;
  comment.body = body;
  comment.updatedAt = ctx.state.now();
  recordWrite(ctx, comment, 'edited');
  const issue = issueIn(ctx, repo, comment.issueNumber);
  const eventType = issue.pull === undefined ? 'issue_comment' : 'pull_request_comment';
  ctx.hooks.emit(eventType, commentPayload(ctx.render, 'edited', comment, login, { body: { from } }));
  return comment;
}

/** Gitea's `DeleteComment`: the author or a writer removes it, and the hook says `deleted`. */
export function deleteComment(ctx: OperationContext, actor: string, repoName: string, id: number): void {
  const repo = repoFor(ctx, actor, repoName, 'read');
  const comment = commentIn(ctx, repo, id);
  const login = actorLogin(ctx, actor);
  if (comment.author !== login && !mayWrite(ctx, repo, login))
    throw new ForgeRefusal('forbidden', `${login} may not delete comment ${id}`);
  const issue = issueIn(ctx, repo, comment.issueNumber);
  const payload = commentPayload(ctx.render, 'deleted', comment, login);
  ctx.state.comments.splice(ctx.state.comments.indexOf(comment), 1);
  ctx.hooks.emit(issue.pull === undefined ? 'issue_comment' : 'pull_request_comment', payload);
}

export interface IssueEdit {
  readonly title?: string;
  readonly body?: string;
  readonly state?: 'open' | 'closed';
}

/** Title, body, then state, each with its own webhook, as Forgejo's `EditIssue` does. */
export function editIssue(
  ctx: OperationContext,
  actor: string,
  repoName: string,
  number: number,
  edit: IssueEdit,
): IssueRecord {
  const repo = repoFor(ctx, actor, repoName, 'read');
  const issue = issueIn(ctx, repo, number);
  const login = actorLogin(ctx, actor);
  if (issue.author !== login && !mayWrite(ctx, repo, login))
    throw new ForgeRefusal('forbidden', `${login} may not edit ${repo.fullName}#${number}`);
  if (edit.title !== undefined && edit.title !== issue.title) {
    const from = issue.title;
    issue.title = edit.title;
    touch(ctx, issue);
    emitIssueOrPull(ctx, issue, 'edited', login, { title: { from } });
  }
  if (edit.body !== undefined && edit.body !== issue.body) {
    const from = issue.body;
    issue.body = edit.body;
    touch(ctx, issue);
    emitIssueOrPull(ctx, issue, 'edited', login, { body: { from } });
  }
  if (edit.state !== undefined && edit.state !== issue.state) {
    if (issue.pull?.merged === true) throw new ForgeRefusal('invalid', 'a merged pull request cannot be reopened');
    // Gitea's `CloseIssue` refuses while a dependency is open (`ErrDependenciesLeft`, 412 from the API).
    if (edit.state === 'closed' && repo.dependenciesEnabled && dependenciesOf(ctx.state, issue).some(isOpen))
      throw new ForgeRefusal('precondition', 'cannot close this issue because it still has open dependencies');
    issue.state = edit.state;
    touch(ctx, issue);
    issue.closedAt = edit.state === 'closed' ? issue.updatedAt : null;
    emitIssueOrPull(ctx, issue, edit.state === 'closed' ? 'closed' : 'reopened', login);
  }
  return issue;
}

export function assign(
  ctx: OperationContext,
  actor: string,
  repoName: string,
  number: number,
  assignee: string,
): IssueRecord {
  const repo = repoFor(ctx, actor, repoName, 'write');
  const issue = issueIn(ctx, repo, number);
  const user = ctx.state.user(assignee);
  if (user === undefined) throw new ForgeRefusal('invalid', `user ${assignee} does not exist`);
  if (issue.assignees.includes(user.login)) return issue;
  issue.assignees.push(user.login);
  touch(ctx, issue);
  const login = actorLogin(ctx, actor);
  recordTimeline(ctx, issue, {
    type: 'assignees',
    actor: login,
    assignee: user.login,
    removedAssignee: false,
    body: '',
  });
  if (issue.pull === undefined) ctx.hooks.emit('issue_assign', issuePayload(ctx.render, 'assigned', issue, login));
  else ctx.hooks.emit('pull_request_assign', pullPayload(ctx.render, 'assigned', issue, login));
  return issue;
}

/** Adds labels by name or id; names the repository does not have are ignored, as Gitea does. */
export function addLabels(
  ctx: OperationContext,
  actor: string,
  repoName: string,
  number: number,
  labels: ReadonlyArray<string | number>,
): IssueRecord {
  const repo = repoFor(ctx, actor, repoName, 'write');
  const issue = issueIn(ctx, repo, number);
  const wanted = repo.labels.filter((label) => labels.some((name) => label.name === name || label.id === name));
  const added = wanted.filter((label) => !issue.labels.includes(label.name));
  issue.labels = [...issue.labels, ...added.map((label) => label.name)];
  touch(ctx, issue);
  const login = actorLogin(ctx, actor);
  // Gitea writes one timeline entry per label actually added, and one webhook for the request.
  for (const label of added) recordTimeline(ctx, issue, { type: 'label', actor: login, label, body: '1' });
  if (issue.pull === undefined) ctx.hooks.emit('issue_label', issuePayload(ctx.render, 'label_updated', issue, login));
  else ctx.hooks.emit('pull_request_label', pullPayload(ctx.render, 'label_updated', issue, login));
  return issue;
}

/** Removes one label by id: 404 when the repository has no such label, as Gitea answers. */
export function removeLabel(
  ctx: OperationContext,
  actor: string,
  repoName: string,
  number: number,
  labelId: number,
): IssueRecord {
  const repo = repoFor(ctx, actor, repoName, 'write');
  const issue = issueIn(ctx, repo, number);
  const label = repo.labels.find((candidate) => candidate.id === labelId);
  if (label === undefined) throw new ForgeRefusal('not-found', `label ${labelId} not found in ${repo.fullName}`);
  if (!issue.labels.includes(label.name)) return issue;
  issue.labels = issue.labels.filter((name) => name !== label.name);
  touch(ctx, issue);
  const login = actorLogin(ctx, actor);
  if (issue.pull === undefined) ctx.hooks.emit('issue_label', issuePayload(ctx.render, 'label_updated', issue, login));
  else ctx.hooks.emit('pull_request_label', pullPayload(ctx.render, 'label_updated', issue, login));
  return issue;
}

export function emitIssueOrPull(
  ctx: OperationContext,
  issue: IssueRecord,
  action: string,
  sender: string,
  changes?: { body?: { from: string }; title?: { from: string } },
): void {
  if (issue.pull === undefined) ctx.hooks.emit('issues', issuePayload(ctx.render, action, issue, sender, changes));
  else ctx.hooks.emit('pull_request', pullPayload(ctx.render, action, issue, sender, { changes }));
}

const isOpen = (issue: IssueRecord): boolean => issue.state === 'open';

export function touch(ctx: OperationContext, issue: IssueRecord): void {
  issue.updatedAt = ctx.state.now();
}

/** A timeline entry for a change just made to `issue`, stamped with the issue's `updated_at`. */
export function recordTimeline(
  ctx: OperationContext,
  issue: IssueRecord,
  entry: Omit<TimelineRecord, 'id' | 'repo' | 'issueNumber' | 'createdAt'>,
): TimelineRecord {
  const record: TimelineRecord = {
    ...entry,
    id: ctx.state.nextId('comment'),
    repo: issue.repo,
    issueNumber: issue.number,
    createdAt: issue.updatedAt,
  };
  ctx.state.timeline.push(record);
  return record;
}

/** The login as stored (the caller may have used other case). */
export function actorLogin(ctx: OperationContext, actor: string): string {
  const user = ctx.state.user(actor);
  if (user === undefined) throw new ForgeRefusal('not-found', `user ${actor} does not exist`);
  return user.login;
}

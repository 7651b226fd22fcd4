/**
 * The fields the REST client reads from Forgejo/Gitea responses, and nothing else. Gitea marshals
 * unset Go pointers and slices as `null` (`assignees`, `requested_reviewers`, `pull_request` on a
 * plain issue, `body` on old servers), so those accept `null` as well as absence.
 */
import { z } from 'zod';

const User = z.object({ id: z.number().int(), login: z.string() });
const Label = z.object({ name: z.string() });
const users = z.array(User).nullish();
const labels = z.array(Label).nullish();

export const CurrentUser = User;

export const Repository = z.object({
  name: z.string(),
  full_name: z.string(),
  owner: z.object({ login: z.string() }),
  clone_url: z.string(),
  default_branch: z.string(),
  private: z.boolean(),
});
export type RepositoryData = z.infer<typeof Repository>;

export const Issue = z.object({
  number: z.number().int(),
  title: z.string(),
  body: z.string().nullish(),
  user: User,
  state: z.enum(['open', 'closed']),
  labels,
  assignee: User.nullish(),
  assignees: users,
  /** Non-null exactly when the issue is a pull request. */
  pull_request: z.object({}).nullish(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type IssueData = z.infer<typeof Issue>;

export const PullRequest = z.object({
  number: z.number().int(),
  title: z.string(),
  body: z.string().nullish(),
  user: User,
  state: z.enum(['open', 'closed']),
  merged: z.boolean().nullish(),
  head: z.object({ ref: z.string(), sha: z.string() }),
  base: z.object({ ref: z.string() }),
  labels,
  assignee: User.nullish(),
  assignees: users,
  requested_reviewers: users,
  updated_at: z.string(),
});
export type PullRequestData = z.infer<typeof PullRequest>;

export const Comment = z.object({
  id: z.number().int(),
  body: z.string(),
  user: User,
  created_at: z.string(),
  updated_at: z.string(),
  html_url: z.string(),
  /** Web URLs of the issue or PR (one of them empty), despite the swagger's "API URL". */
  issue_url: z.string().nullish(),
  pull_request_url: z.string().nullish(),
});
export type CommentData = z.infer<typeof Comment>;

export const CollaboratorPermission = z.object({ permission: z.string() });

/**
 * A milestone newly opted in may have stories the service never read — written before it ran, or
 * while it was away. They are found once, when the milestone is opted in: every issue of the
 * repository whose footer links to the tracking issue and that the store does not know as its
 * story, with its open pull request when one's head is the story's `issue-<N>-…` branch.
 */
import { type RepoRef, repoKey } from '../core/events.js';
import { issueOfBranch } from '../core/pull-of.js';
import { parseFooter } from '../milestones/dependencies.js';
import type { MilestoneStore } from '../milestones/ports.js';
import type { LearnRequest } from './learn-issue.js';
import type { IssueReader } from './ports.js';

/** A listing from the start of time: every issue of the repository, open and closed. */
const EVER = '1970-01-01T00:00:00Z';
/** At most this many stories found at once; the rest come with their own events. */
const MAX_ADOPTED = 1000;

export async function storiesToAdopt(
  deps: { readonly milestones: MilestoneStore; readonly reader: IssueReader },
  repo: RepoRef,
  tracking: number,
): Promise<LearnRequest[]> {
  const known = new Set((await deps.milestones.storiesOf(repoKey(repo), tracking)).map((s) => s.number));
  const linked = (await deps.reader.listIssuesUpdatedSince(repo.fullName, EVER)).filter(
    (issue) => !issue.isPull && !known.has(issue.number) && parseFooter(issue.body).tracking === tracking,
  );
  if (linked.length === 0) return [];
  const pulls = new Map<number, { number: number; branch: string; author: string }>();
  for (const pull of await deps.reader.listPulls(repo.fullName, 'open')) {
    const story = issueOfBranch(pull.headRef);
    if (story !== undefined) pulls.set(story, { number: pull.number, branch: pull.headRef, author: pull.author.login });
  }
  return linked.slice(0, MAX_ADOPTED).map((issue) => {
    const pull = pulls.get(issue.number);
    return {
      repo,
      number: issue.number,
      issue,
      force: true,
      ...(pull ? { pull: { ...pull, state: 'open' as const } } : {}),
    };
  });
}

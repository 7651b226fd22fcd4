/**
 * The `milestones` and `milestone_issues` rows as both stores read them, and the one mapping from
 * each to the milestones' records (decisions.md §32). The flags are BOOLEAN on PostgreSQL and 0 or
 * 1 on SQLite; `upstream` is a JSON array in TEXT in both.
 */
import type { IssueState } from '../../milestones/graph.js';
import type { MilestoneRecord, StoryRead, StoryRecord } from '../../milestones/ports.js';

type Flag = boolean | number;

export interface MilestoneRow {
  repo: string;
  tracking: number;
  opted_in: Flag;
  paused: Flag;
  stacking: Flag | null;
  rendered_hash: string | null;
  problems_said: string | null;
  updated_at: number;
}

export const MILESTONE_COLUMNS = 'repo, tracking, opted_in, paused, stacking, rendered_hash, problems_said, updated_at';

export function toMilestone(row: MilestoneRow): MilestoneRecord {
  return {
    repo: row.repo,
    tracking: row.tracking,
    optedIn: Boolean(row.opted_in),
    paused: Boolean(row.paused),
    stacking: row.stacking === null ? undefined : Boolean(row.stacking),
    renderedHash: row.rendered_hash ?? undefined,
    problemsSaid: row.problems_said ?? undefined,
    updatedAt: row.updated_at,
  };
}

export interface IssueRow {
  repo: string;
  issue: number;
  tracking: number | null;
  title: string;
  state: IssueState;
  upstream: string;
  merged_pull: number | null;
  open_pull: number | null;
  open_pull_branch: string | null;
  updated_at: number;
}

export const ISSUE_COLUMNS =
  'repo, issue, tracking, title, state, upstream, merged_pull, open_pull, open_pull_branch, updated_at';

export function toStory(row: IssueRow): StoryRecord {
  return {
    repo: row.repo,
    number: row.issue,
    tracking: row.tracking ?? undefined,
    title: row.title,
    state: row.state,
    upstream: JSON.parse(row.upstream) as number[],
    mergedPull: row.merged_pull ?? undefined,
    openPull:
      row.open_pull === null || row.open_pull_branch === null
        ? undefined
        : { number: row.open_pull, branch: row.open_pull_branch },
    updatedAt: row.updated_at,
  };
}

/** The row a read is stored as (the flags' dialect aside): the key in lower case, the upstream issues ascending and each once. */
export function issueRowOf(story: StoryRead, at: number): IssueRow {
  return {
    repo: story.repo.toLowerCase(),
    issue: story.number,
    tracking: story.tracking ?? null,
    title: story.title,
    state: story.state,
    upstream: JSON.stringify([...new Set(story.upstream)].sort((a, b) => a - b)),
    merged_pull: story.mergedPull ?? null,
    open_pull: story.openPull?.number ?? null,
    open_pull_branch: story.openPull?.branch ?? null,
    updated_at: at,
  };
}

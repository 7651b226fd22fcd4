/**
 * The milestones' store on PostgreSQL, the twin of `store/sqlite/milestone-store.ts`
 * (decisions.md §55). Each write is one statement, so workers writing the same row do not
 * interleave: the last read wins, and a story's read older than the stored one is not written.
 * A story's `previous` is the row as the statement's snapshot saw it.
 */
import type { MilestoneStore, StoryRecord } from '../../milestones/ports.js';
import {
  ISSUE_COLUMNS,
  issueRowOf,
  MILESTONE_COLUMNS,
  toMilestone,
  toStory,
  type IssueRow,
  type MilestoneRow,
} from '../rows/milestones.js';
import type { Pool } from './pool.js';

type SetColumn = 'opted_in' | 'paused' | 'rendered_hash' | 'problems_said';

export function createPgMilestoneStore(pool: Pool): MilestoneStore {
  const set = async (column: SetColumn, repo: string, tracking: number, value: string | boolean, at: number) => {
    await pool.query(
      `INSERT INTO milestones (repo, tracking, ${column}, updated_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (repo, tracking) DO UPDATE SET ${column} = excluded.${column}, updated_at = excluded.updated_at`,
      [repo.toLowerCase(), tracking, value, at],
    );
  };
  const issues = async (where: string, params: unknown[]): Promise<StoryRecord[]> => {
    const { rows } = await pool.query<IssueRow>(
      `SELECT ${ISSUE_COLUMNS} FROM milestone_issues WHERE ${where} ORDER BY issue`,
      params,
    );
    return rows.map(toStory);
  };
  return {
    async upsertMilestone(repo, tracking, facts, at) {
      const { rows } = await pool.query<MilestoneRow>(
        `INSERT INTO milestones AS m (repo, tracking, opted_in, stacking, updated_at)
         VALUES ($1, $2, coalesce($3::boolean, false), $4::boolean, $6)
         ON CONFLICT (repo, tracking) DO UPDATE SET
           opted_in = CASE WHEN $3::boolean IS NULL THEN m.opted_in ELSE excluded.opted_in END,
           stacking = CASE WHEN $5::boolean THEN excluded.stacking ELSE m.stacking END,
           updated_at = excluded.updated_at
         RETURNING ${MILESTONE_COLUMNS}`,
        [repo.toLowerCase(), tracking, facts.optedIn ?? null, facts.stacking ?? null, 'stacking' in facts, at],
      );
      return toMilestone(rows[0]!);
    },
    async getMilestone(repo, tracking) {
      const { rows } = await pool.query<MilestoneRow>(
        `SELECT ${MILESTONE_COLUMNS} FROM milestones WHERE repo = $1 AND tracking = $2`,
        [repo.toLowerCase(), tracking],
      );
      return rows[0] && toMilestone(rows[0]);
    },
    async listMilestones(repo) {
      const { rows } = await pool.query<MilestoneRow>(
        `SELECT ${MILESTONE_COLUMNS} FROM milestones WHERE ($1::text IS NULL OR repo = $1) ORDER BY repo, tracking`,
        [repo?.toLowerCase() ?? null],
      );
      return rows.map(toMilestone);
    },
    setPaused: (repo, tracking, paused, at) => set('paused', repo, tracking, paused, at),
    setOptedIn: (repo, tracking, optedIn, at) => set('opted_in', repo, tracking, optedIn, at),
    recordRendered: (repo, tracking, hash, at) => set('rendered_hash', repo, tracking, hash, at),
    recordProblemsSaid: (repo, tracking, hash, at) => set('problems_said', repo, tracking, hash, at),

    async upsertStory(story, at) {
      const row = issueRowOf(story, at);
      const { rows } = await pool.query<{ written: number; previous: IssueRow | null }>(
        `WITH previous AS (
           SELECT ${ISSUE_COLUMNS} FROM milestone_issues WHERE repo = $1 AND issue = $2
         ), written AS (
           INSERT INTO milestone_issues AS m (${ISSUE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
           ON CONFLICT (repo, issue) DO UPDATE SET
             tracking = excluded.tracking, title = excluded.title, state = excluded.state, upstream = excluded.upstream,
             merged_pull = excluded.merged_pull, open_pull = excluded.open_pull,
             open_pull_branch = excluded.open_pull_branch, updated_at = excluded.updated_at
           WHERE m.updated_at <= excluded.updated_at
           RETURNING 1
         )
         SELECT (SELECT count(*)::int FROM written) AS written, (SELECT row_to_json(p) FROM previous p) AS previous`,
        [
          row.repo,
          row.issue,
          row.tracking,
          row.title,
          row.state,
          row.upstream,
          row.merged_pull,
          row.open_pull,
          row.open_pull_branch,
          row.updated_at,
        ],
      );
      const { written, previous } = rows[0]!;
      return { written: written > 0, previous: previous ? toStory(previous) : undefined };
    },
    async getStory(repo, number) {
      const [story] = await issues('repo = $1 AND issue = $2', [repo.toLowerCase(), number]);
      return story;
    },
    storiesOf: (repo, tracking) => issues('repo = $1 AND tracking = $2', [repo.toLowerCase(), tracking]),
    async issuesOf(repo, numbers) {
      if (numbers.length === 0) return [];
      return issues('repo = $1 AND issue = ANY($2::int[])', [repo.toLowerCase(), [...numbers]]);
    },
  };
}

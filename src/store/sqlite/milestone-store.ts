/**
 * The milestones' store on SQLite (decisions.md §55): writes through the group committer, reads
 * straight from the database. A story's write reads the row it replaces in the same transaction,
 * so what it answers as `previous` is what it replaced.
 */
import type { MilestoneStore } from '../../milestones/ports.js';
import {
  ISSUE_COLUMNS,
  issueRowOf,
  MILESTONE_COLUMNS,
  toMilestone,
  toStory,
  type IssueRow,
  type MilestoneRow,
} from '../rows/milestones.js';
import type { GroupCommitter } from './group-commit.js';
import type { Db } from './open-database.js';

type Key = [string, number];
type SetColumn = 'opted_in' | 'paused' | 'rendered_hash' | 'problems_said';

const flag = (value: boolean): number => (value ? 1 : 0);

export function createSqliteMilestoneStore(db: Db, committer: GroupCommitter): MilestoneStore {
  const setter = (column: SetColumn) =>
    db.prepare<[string, number, string | number, number]>(
      `INSERT INTO milestones (repo, tracking, ${column}, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (repo, tracking) DO UPDATE SET ${column} = excluded.${column}, updated_at = excluded.updated_at`,
    );
  const q = {
    upsertMilestone: db.prepare<Record<string, unknown>, MilestoneRow>(
      `INSERT INTO milestones (repo, tracking, opted_in, stacking, updated_at)
       VALUES (@repo, @tracking, coalesce(@optedIn, 0), @stacking, @at)
       ON CONFLICT (repo, tracking) DO UPDATE SET
         opted_in = CASE WHEN @optedIn IS NULL THEN opted_in ELSE excluded.opted_in END,
         stacking = CASE WHEN @givesStacking THEN excluded.stacking ELSE stacking END,
         updated_at = excluded.updated_at
       RETURNING ${MILESTONE_COLUMNS}`,
    ),
    getMilestone: db.prepare<Key, MilestoneRow>(
      `SELECT ${MILESTONE_COLUMNS} FROM milestones WHERE repo = ? AND tracking = ?`,
    ),
    listMilestones: db.prepare<[string | null, string | null], MilestoneRow>(
      `SELECT ${MILESTONE_COLUMNS} FROM milestones WHERE (? IS NULL OR repo = ?) ORDER BY repo, tracking`,
    ),
    opted_in: setter('opted_in'),
    paused: setter('paused'),
    rendered_hash: setter('rendered_hash'),
    problems_said: setter('problems_said'),
    getStory: db.prepare<Key, IssueRow>(`SELECT ${ISSUE_COLUMNS} FROM milestone_issues WHERE repo = ? AND issue = ?`),
    upsertStory: db.prepare<IssueRow>(
      `INSERT INTO milestone_issues (${ISSUE_COLUMNS})
       VALUES (@repo, @issue, @tracking, @title, @state, @upstream, @merged_pull, @open_pull, @open_pull_branch, @updated_at)
       ON CONFLICT (repo, issue) DO UPDATE SET
         tracking = excluded.tracking, title = excluded.title, state = excluded.state, upstream = excluded.upstream,
         merged_pull = excluded.merged_pull, open_pull = excluded.open_pull,
         open_pull_branch = excluded.open_pull_branch, updated_at = excluded.updated_at`,
    ),
    storiesOf: db.prepare<Key, IssueRow>(
      `SELECT ${ISSUE_COLUMNS} FROM milestone_issues WHERE repo = ? AND tracking = ? ORDER BY issue`,
    ),
    issuesOf: db.prepare<[string, string], IssueRow>(
      `SELECT ${ISSUE_COLUMNS} FROM milestone_issues
       WHERE repo = ? AND issue IN (SELECT value FROM json_each(?)) ORDER BY issue`,
    ),
  };
  const set = (column: SetColumn, repo: string, tracking: number, value: string | number, at: number) =>
    committer.submit(() => {
      q[column].run(repo.toLowerCase(), tracking, value, at);
    });
  return {
    upsertMilestone(repo, tracking, facts, at) {
      const params = {
        repo: repo.toLowerCase(),
        tracking,
        optedIn: facts.optedIn === undefined ? null : flag(facts.optedIn),
        stacking: facts.stacking === undefined ? null : flag(facts.stacking),
        givesStacking: flag('stacking' in facts),
        at,
      };
      return committer.submit(() => toMilestone(q.upsertMilestone.get(params)!));
    },
    async getMilestone(repo, tracking) {
      const row = q.getMilestone.get(repo.toLowerCase(), tracking);
      return row && toMilestone(row);
    },
    async listMilestones(repo) {
      const key = repo?.toLowerCase() ?? null;
      return q.listMilestones.all(key, key).map(toMilestone);
    },
    setPaused: (repo, tracking, paused, at) => set('paused', repo, tracking, flag(paused), at),
    setOptedIn: (repo, tracking, optedIn, at) => set('opted_in', repo, tracking, flag(optedIn), at),
    recordRendered: (repo, tracking, hash, at) => set('rendered_hash', repo, tracking, hash, at),
    recordProblemsSaid: (repo, tracking, hash, at) => set('problems_said', repo, tracking, hash, at),

    upsertStory(story, at) {
      const row = issueRowOf(story, at);
      return committer.submit(() => {
        const stored = q.getStory.get(row.repo, row.issue);
        const previous = stored && toStory(stored);
        if (previous && previous.updatedAt > at) return { written: false, previous };
        q.upsertStory.run(row);
        return { written: true, previous };
      });
    },
    async getStory(repo, number) {
      const row = q.getStory.get(repo.toLowerCase(), number);
      return row && toStory(row);
    },
    async storiesOf(repo, tracking) {
      return q.storiesOf.all(repo.toLowerCase(), tracking).map(toStory);
    },
    async issuesOf(repo, numbers) {
      if (numbers.length === 0) return [];
      return q.issuesOf.all(repo.toLowerCase(), JSON.stringify(numbers)).map(toStory);
    },
  };
}

/**
 * What the milestones need kept between events: each milestone's settings and what the service
 * last said on its tracking issue, and every issue it learned about — a story's tracking link,
 * state, upstream edges and pull requests — so a milestone's graph is rebuilt from the store on
 * each event, with no forge round trip per story (decisions.md §55). Owned here, implemented in
 * `store/` (SQLite and PostgreSQL, held to one contract in `test/store-contract/milestones.test.ts`).
 *
 * Everything is keyed by the repository key the rest of the store uses (`repoKey` in
 * `core/events.ts`: `host/owner/name`, lower case); a key in another case names the same rows.
 * Times are milliseconds since the epoch, given by the caller.
 */
import type { IssueState, OpenPull } from './graph.js';

/** One tracking issue, as the service last learned and left it. */
export interface MilestoneRecord {
  readonly repo: string;
  /** The tracking issue's number. */
  readonly tracking: number;
  /** Whether the service hands the milestone's ready stories to dev (the tracking issue's label). */
  readonly optedIn: boolean;
  /** Paused by an operator: no new story starts. */
  readonly paused: boolean;
  /** What the tracking issue says about stacked starts; `undefined` when it says nothing (the configuration decides). */
  readonly stacking: boolean | undefined;
  /** A hash of the block last written on the tracking issue: the block is edited only when it changes. */
  readonly renderedHash: string | undefined;
  /** A hash of the problems last said on the tracking issue: a problem is said once. */
  readonly problemsSaid: string | undefined;
  readonly updatedAt: number;
}

/**
 * What the tracking issue says, for `upsertMilestone`: a field given replaces the stored value
 * (`stacking: undefined` given says "not said"); a field left out keeps it.
 */
export interface MilestoneFacts {
  readonly optedIn?: boolean;
  readonly stacking?: boolean | undefined;
}

/**
 * One issue the service learned about: a story of a milestone, or any other issue (an upstream
 * outside the milestone, the tracking issue itself), which has no `tracking`.
 */
export interface StoryRecord {
  readonly repo: string;
  readonly number: number;
  /** The tracking issue its footer links to, if any. */
  readonly tracking: number | undefined;
  readonly title: string;
  readonly state: IssueState;
  /** Its upstream issues, the footer's ∪ the forge's native dependencies; ascending, each once. */
  readonly upstream: readonly number[];
  /** The merged pull request that closed it, if any. */
  readonly mergedPull: number | undefined;
  /** Its open, unmerged pull request, if any. */
  readonly openPull: OpenPull | undefined;
  /** When the issue was read (the `at` of the write that stored this row). */
  readonly updatedAt: number;
}

/** What `upsertStory` is given: the issue as read from the forge (a field left out is not there). */
export interface StoryRead {
  readonly repo: string;
  readonly number: number;
  readonly tracking?: number | undefined;
  readonly title: string;
  readonly state: IssueState;
  readonly upstream: readonly number[];
  readonly mergedPull?: number | undefined;
  readonly openPull?: OpenPull | undefined;
}

export interface StoryWrite {
  /**
   * False when the stored row was read later than this one (`updatedAt` > `at`): the newer read
   * stands, so a slow catch-up cannot undo what a webhook recorded meanwhile.
   */
  readonly written: boolean;
  /**
   * The row before this write, undefined for an issue first seen. When the story moved to another
   * tracking issue or lost its link, its old milestone is touched too.
   */
  readonly previous: StoryRecord | undefined;
}

export interface MilestoneStore {
  /** Records a tracking issue (not opted in, not paused, stacking not said, when new) with `facts`; answers the row. */
  upsertMilestone(repo: string, tracking: number, facts: MilestoneFacts, at: number): Promise<MilestoneRecord>;
  getMilestone(repo: string, tracking: number): Promise<MilestoneRecord | undefined>;
  /** Every milestone, or one repository's, by repository then tracking issue. */
  listMilestones(repo?: string): Promise<MilestoneRecord[]>;
  /** The setters below record the milestone first when it is new. */
  setPaused(repo: string, tracking: number, paused: boolean, at: number): Promise<void>;
  setOptedIn(repo: string, tracking: number, optedIn: boolean, at: number): Promise<void>;
  recordRendered(repo: string, tracking: number, hash: string, at: number): Promise<void>;
  recordProblemsSaid(repo: string, tracking: number, hash: string, at: number): Promise<void>;

  /**
   * Replaces the issue's row with what was read at `at` (its tracking link may have changed or
   * gone), unless the stored row was read later. `upstream` is stored ascending, each once.
   */
  upsertStory(story: StoryRead, at: number): Promise<StoryWrite>;
  getStory(repo: string, number: number): Promise<StoryRecord | undefined>;
  /** The issues whose footer links to `tracking`, ascending. */
  storiesOf(repo: string, tracking: number): Promise<StoryRecord[]>;
  /** Those of `numbers` the store knows, linked to a milestone or not, ascending: an outside upstream's state. */
  issuesOf(repo: string, numbers: readonly number[]): Promise<StoryRecord[]>;
}

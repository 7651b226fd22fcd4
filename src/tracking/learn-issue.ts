/**
 * Learning one issue: read it from the forge with the service's credential (the event's copy may
 * be older than the forge's), parse its footer, read its native dependencies (`unsupported`: the
 * footer alone), and record it (`upsertStory`, a newer read standing). A pull request's event
 * adds what only it says — the story's open or merged pull request — and any other read keeps
 * what the row had. What changed is answered as the tracking issues to rebuild: the story's, the
 * one it left, and the issue's own when it is a tracking issue.
 *
 * A tracking issue is an issue with the opt-in label, or one a story's `Tracking:` line names; it
 * is opted in by the label, or by its repository being in `milestones.repositories`. A story's
 * tracking issue the store does not know yet, and upstream issues it does not know, are read at
 * once — before the milestone is rebuilt, so an issue not read yet is never reported missing.
 * Gitea and Forgejo record no reason for closing: a closed issue is done.
 */
import { namesRepository } from '../config/repositories.js';
import { type IssueRef, type RepoRef, repoKey } from '../core/events.js';
import { ForgeApiError } from '../forge/client.js';
import type { Clock } from '../lib/clock.js';
import { parseFooter } from '../milestones/dependencies.js';
import type { OpenPull } from '../milestones/graph.js';
import type { MilestoneStore, StoryRecord } from '../milestones/ports.js';
import { hasLabel, type IssueReader, type MilestoneSettings, stackedLabel } from './ports.js';

/** At most this many unknown upstream issues read along with one story (its footer keeps 100). */
const MAX_UPSTREAM_READS = 100;

/** What a pull-request event says of its story's pull request. */
export interface PullFacts {
  readonly number: number;
  readonly branch: string;
  readonly state: 'open' | 'merged' | 'closed';
  /** Who opened it: a pull request counts for its story only when the implementer or a person who may start runs did. */
  readonly author?: string | undefined;
}

export interface LearnRequest {
  readonly repo: RepoRef;
  readonly number: number;
  /** The issue as a listing just read it (the catch-up): no need to read it again. */
  readonly issue?: IssueRef | undefined;
  /** The issue as an event carried it: only to tell whether it concerns a milestone at all. */
  readonly hint?: IssueRef | undefined;
  readonly pull?: PullFacts | undefined;
  /** Learn it even when nothing says it concerns a milestone (a story's tracking issue or upstream). */
  readonly force?: boolean | undefined;
  /** A story's `Tracking:` line names it: it is a tracking issue. */
  readonly named?: boolean | undefined;
}

/** Two requests for one issue, the newer last: the newer's copy and pull request win. */
export function mergeRequests(older: LearnRequest, newer: LearnRequest): LearnRequest {
  return {
    repo: newer.repo,
    number: newer.number,
    issue: newer.issue,
    hint: newer.hint ?? older.hint,
    pull: newer.pull ?? older.pull,
    force: older.force === true || newer.force === true,
    named: older.named === true || newer.named === true,
  };
}

export interface Learned {
  /** Tracking issues whose milestone may have changed. */
  readonly touched: ReadonlySet<number>;
  /** Tracking issues newly opted in: their stories the store may not know yet are to be found. */
  readonly optedIn: ReadonlySet<number>;
}

export interface LearnDeps {
  readonly milestones: MilestoneStore;
  readonly reader: IssueReader;
  readonly settings: MilestoneSettings;
  readonly clock: Clock;
  /** Whether a milestone names this issue as an upstream issue outside it (or one missing). */
  readonly isUpstream: (repo: string, number: number) => boolean;
  /**
   * Whether an issue opened by `login` may be a story (one the service hands to dev): the planner
   * agent, or a person who may start agent runs. A footer is text anyone who can open an issue
   * writes, so a stranger's `Tracking:` line must not make dev work on a stranger's issue.
   */
  readonly mayOpenStories: (repo: RepoRef, login: string) => Promise<boolean>;
  /**
   * Whether a pull request opened by `login` may stand for a story's work: the implementer agent,
   * or a person who may start runs. Anyone can open a pull request from a fork with a branch named
   * `issue-<N>-…`; it must not mark the story in progress (which would hold its hand-out) or done.
   */
  readonly mayOpenStoryPulls: (repo: RepoRef, login: string) => Promise<boolean>;
}

export async function learnIssue(deps: LearnDeps, request: LearnRequest): Promise<Learned> {
  const learned = { touched: new Set<number>(), optedIn: new Set<number>() };
  await learnOne(deps, request, learned, true);
  return learned;
}

async function learnOne(
  deps: LearnDeps,
  request: LearnRequest,
  learned: { touched: Set<number>; optedIn: Set<number> },
  first: boolean,
): Promise<void> {
  const { milestones, reader } = deps;
  const key = repoKey(request.repo);
  const full = request.repo.fullName;
  const previous = await milestones.getStory(key, request.number);
  if (!(await concerns(deps, request, previous))) return;
  const at = deps.clock.now();
  const issue = request.issue ?? (await readIssue(reader, full, request.number));
  if (issue === undefined || issue.isPull) return;
  const footer = parseFooter(issue.body);
  const native = await reader.listDependencies(full, request.number);
  const upstream = [
    ...new Set([
      ...footer.upstream,
      ...(native === 'unsupported'
        ? []
        : native.filter((d) => !d.isPull && d.repo.toLowerCase() === full.toLowerCase()).map((d) => d.number)),
    ]),
  ].sort((a, b) => a - b);
  // A stranger's issue stays an issue: an upstream others may wait for, never a story of the milestone.
  const tracking =
    footer.tracking !== undefined && (await deps.mayOpenStories(request.repo, issue.author.login))
      ? footer.tracking
      : undefined;
  const write = await milestones.upsertStory(
    {
      repo: key,
      number: request.number,
      tracking,
      title: issue.title,
      state: issue.state === 'open' ? 'open' : 'completed',
      upstream,
      ...pullsOf(previous, await trustedPull(deps, request)),
    },
    at,
  );
  if (!write.written) return;
  if (tracking !== undefined) learned.touched.add(tracking);
  const left = write.previous?.tracking;
  if (left !== undefined && left !== tracking) learned.touched.add(left);
  await asTrackingIssue(deps, request, issue, at, learned);
  if (!first) return;
  if (tracking !== undefined && (await milestones.getMilestone(key, tracking)) === undefined)
    await learnOne(deps, { repo: request.repo, number: tracking, force: true, named: true }, learned, false);
  if (tracking === undefined) return;
  const known = new Set((await milestones.issuesOf(key, upstream)).map((s) => s.number));
  for (const u of upstream.filter((n) => !known.has(n) && n !== tracking).slice(0, MAX_UPSTREAM_READS))
    await learnOne(deps, { repo: request.repo, number: u, force: true }, learned, false);
}

/**
 * Whether an issue concerns a milestone, so is worth two forge reads: the store knows it, a
 * milestone names it upstream, or its copy has a tracking link or the opt-in label.
 */
async function concerns(deps: LearnDeps, request: LearnRequest, known: StoryRecord | undefined): Promise<boolean> {
  if (request.force === true || known !== undefined) return true;
  const key = repoKey(request.repo);
  if (deps.isUpstream(key, request.number)) return true;
  const copy = request.issue ?? request.hint;
  if (
    copy !== undefined &&
    (parseFooter(copy.body).tracking !== undefined || hasLabel(copy.labels, deps.settings.label))
  )
    return true;
  return (await deps.milestones.getMilestone(key, request.number)) !== undefined;
}

async function readIssue(reader: IssueReader, repo: string, number: number): Promise<IssueRef | undefined> {
  try {
    return await reader.getIssue(repo, number);
  } catch (error) {
    // Gone, or never there: nothing to record, and the graph calls it missing.
    if (error instanceof ForgeApiError && (error.status === 404 || error.status === 410)) return undefined;
    throw error;
  }
}

/** The request's pull request, when its author may stand for the story's work (`mayOpenStoryPulls`). */
async function trustedPull(deps: LearnDeps, request: LearnRequest): Promise<PullFacts | undefined> {
  const pull = request.pull;
  if (pull === undefined) return undefined;
  return pull.author !== undefined && (await deps.mayOpenStoryPulls(request.repo, pull.author)) ? pull : undefined;
}

/** The story's pull requests after this read: the event's news on the row's. */
function pullsOf(
  previous: StoryRecord | undefined,
  pull: PullFacts | undefined,
): { mergedPull: number | undefined; openPull: OpenPull | undefined } {
  let mergedPull = previous?.mergedPull;
  let openPull = previous?.openPull;
  if (pull === undefined) return { mergedPull, openPull };
  if (pull.state === 'merged') mergedPull = pull.number;
  if (pull.state === 'open') openPull = { number: pull.number, branch: pull.branch };
  else if (openPull?.number === pull.number) openPull = undefined;
  return { mergedPull, openPull };
}

/** Records the issue as a tracking issue when it is one; a milestone newly opted in is said. */
async function asTrackingIssue(
  deps: LearnDeps,
  request: LearnRequest,
  issue: IssueRef,
  at: number,
  learned: { touched: Set<number>; optedIn: Set<number> },
): Promise<void> {
  const { settings, milestones } = deps;
  const key = repoKey(request.repo);
  const labelled = hasLabel(issue.labels, settings.label);
  const existing = await milestones.getMilestone(key, issue.number);
  if (!labelled && existing === undefined && request.named !== true) return;
  const byRepository = namesRepository(settings.repositories, request.repo.fullName);
  const optedIn = labelled || byRepository;
  const stacking = hasLabel(issue.labels, stackedLabel(settings)) ? true : undefined;
  if (existing === undefined || existing.optedIn !== optedIn || existing.stacking !== stacking)
    await milestones.upsertMilestone(key, issue.number, { optedIn, stacking }, at);
  learned.touched.add(issue.number);
  if (optedIn && existing?.optedIn !== true) learned.optedIn.add(issue.number);
}

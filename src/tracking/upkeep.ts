/**
 * Keeping the tracking issue true (decisions.md §54): the milestone's block, rendered from the
 * graph and the schedule, swapped into the issue's body with everything people wrote around it
 * kept, and written only when it is not the block last written (its hash, in the store) and the
 * body's block differs — so an unchanged milestone costs no forge call, and the edit the forge
 * announces wakes no second edit. The graph's problems are said once per distinct set, in one
 * comment naming the stories; a set gone and come back is said again.
 *
 * The hash is recorded after the write: a crash between the two writes the same text again,
 * which the body's comparison then finds unchanged.
 */
import { createHash } from 'node:crypto';
import type { RepoRef } from '../core/events.js';
import type { Clock } from '../lib/clock.js';
import type { GraphProblem } from '../milestones/graph.js';
import type { MilestoneStore } from '../milestones/ports.js';
import { renderTrackingBlock, replaceTrackingBlock } from '../milestones/render-tracking.js';
import type { MilestoneView } from './milestone-view.js';
import type { IssueReader, TrackingWriter } from './ports.js';

export interface UpkeepDeps {
  readonly milestones: MilestoneStore;
  readonly reader: Pick<IssueReader, 'getIssue'>;
  readonly writer: TrackingWriter;
  /** The service's redactor: what the service writes — the block, the problems — passes it before it leaves. */
  readonly redact: (text: string) => string;
  readonly clock: Clock;
}

export interface Upkept {
  /** The tracking issue's body was edited. */
  readonly edited: boolean;
  /** The problems were said in a comment. */
  readonly said: boolean;
}

export async function keepTrackingIssue(deps: UpkeepDeps, repo: RepoRef, view: MilestoneView): Promise<Upkept> {
  const edited = await keepBlock(deps, repo, view);
  const said = await sayProblems(deps, repo, view);
  return { edited, said };
}

async function keepBlock(deps: UpkeepDeps, repo: RepoRef, view: MilestoneView): Promise<boolean> {
  const { tracking, renderedHash } = view.milestone;
  const block = deps.redact(renderTrackingBlock(view.graph, view.plan));
  const hash = digest(block);
  if (hash === renderedHash) return false;
  const issue = await deps.reader.getIssue(repo.fullName, tracking);
  const replaced = replaceTrackingBlock(issue.body, block);
  if (replaced.changed) await deps.writer.editIssueBody(repo.fullName, tracking, replaced.body);
  await deps.milestones.recordRendered(view.repo, tracking, hash, deps.clock.now());
  return replaced.changed;
}

async function sayProblems(deps: UpkeepDeps, repo: RepoRef, view: MilestoneView): Promise<boolean> {
  const { problems } = view.graph;
  const hash = problems.length === 0 ? '' : digest(problems.map((p) => p.message).join('\n'));
  if (hash === (view.milestone.problemsSaid ?? '')) return false;
  if (problems.length > 0)
    await deps.writer.createComment(repo.fullName, view.milestone.tracking, deps.redact(problemsText(problems)));
  await deps.milestones.recordProblemsSaid(view.repo, view.milestone.tracking, hash, deps.clock.now());
  return problems.length > 0;
}

/** The comment that says a milestone's problems: each names its stories and what to do. */
export function problemsText(problems: readonly GraphProblem[]): string {
  const stuck = [...new Set(problems.flatMap((p) => p.stories))].sort((a, b) => a - b);
  return [
    `claude-hooks found ${problems.length === 1 ? 'a problem' : `${problems.length} problems`} in this milestone's graph; ${stuck.map((n) => `#${n}`).join(', ')} and the stories after them do not start until ${problems.length === 1 ? 'it is' : 'they are'} fixed:`,
    '',
    ...problems.map((p) => `- ${p.message}`),
  ].join('\n');
}

const digest = (text: string): string => createHash('sha256').update(text).digest('hex');

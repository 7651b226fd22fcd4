/**
 * Reading pull requests off events: which PR an event carries, and which issue an
 * `issue-<N>-<slug>` branch works on. Shared by routing (whose conversation a PR belongs to) and
 * the workspace runner (which branch or head a job checks out).
 */
import type { ForgeEvent, PullRef } from './events.js';

/** The PR an event carries: a PR or review event's, or a PR comment's when the payload had it. */
export function pullOf(event: ForgeEvent): PullRef | undefined {
  if (event.type === 'pull_request' || event.type === 'review' || event.type === 'comment') return event.pull;
  return undefined;
}

const ISSUE_BRANCH = /^issue-(\d+)(?:-|$)/;

/** N of a branch named `issue-<N>-<slug>` (or `issue-<N>`); undefined for any other name. */
export function issueOfBranch(branch: string): number | undefined {
  const digits = ISSUE_BRANCH.exec(branch)?.[1];
  return digits === undefined ? undefined : Number(digits);
}

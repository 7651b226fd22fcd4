/**
 * What a stored event asks the milestone driver to learn: an issue event its issue; a pull
 * request's event the story of its `issue-<N>-…` head branch, with the pull request's state; a
 * push to such a branch that story (when the store knows it). Comments, reviews and the driver's
 * own events ask nothing. A plan label on an issue asks for a plan.
 */
import type { ForgeEvent, IssueEvent, PullRef, RepoRef } from '../core/events.js';
import { issueOfBranch } from '../core/pull-of.js';
import type { LearnRequest, PullFacts } from './learn-issue.js';
import { hasLabel } from './ports.js';

export function learnRequestsOf(event: ForgeEvent): LearnRequest[] {
  switch (event.type) {
    case 'issue':
      if (event.action === 'ready' || event.action === 'plan' || event.issue.isPull) return [];
      return [{ repo: event.repo, number: event.issue.number, hint: event.issue }];
    case 'pull_request': {
      if (event.action === 'retargeted') return [];
      const request = pullRequest(event.repo, event.pull);
      return request ? [request] : [];
    }
    case 'push': {
      const story = issueOfBranch(event.ref.replace(/^refs\/heads\//, ''));
      return story === undefined || !event.ref.startsWith('refs/heads/') ? [] : [{ repo: event.repo, number: story }];
    }
    default:
      return [];
  }
}

/** The learn request a pull request makes for its story, if its head is an issue branch. */
export function pullRequest(repo: RepoRef, pull: PullRef): LearnRequest | undefined {
  const story = issueOfBranch(pull.headRef);
  return story === undefined ? undefined : { repo, number: story, pull: pullFacts(pull) };
}

function pullFacts(pull: PullRef): PullFacts {
  const state = pull.merged ? 'merged' : pull.state === 'open' ? 'open' : 'closed';
  return { number: pull.number, branch: pull.headRef, state, author: pull.author.login };
}

/** The labelled event that asks for a plan: an issue (not a pull request) carrying the plan label. */
export function asksForPlan(event: ForgeEvent, planLabel: string): event is IssueEvent {
  return (
    event.type === 'issue' &&
    event.action === 'labelled' &&
    !event.issue.isPull &&
    event.issue.state === 'open' &&
    hasLabel(event.issue.labels, planLabel)
  );
}

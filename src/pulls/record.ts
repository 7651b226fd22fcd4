/**
 * A watched pull request's record as its events and reads change it (docs/until-merged.md): the
 * first one for a PR an implementer opened, and the PR as the forge says it now — its head (whose
 * checks start over when it moves: attempts, reruns and flakes stay), title, base and state. Pure.
 */
import type { PullRef } from '../core/events.js';
import type { WatchedPull } from './ports.js';
import { moveHead } from './take-check.js';

export interface Watcher {
  /** The repository key. */
  readonly repo: string;
  /** The implementer whose PR it is, and the issue of its `issue-<N>-…` head. */
  readonly agent: string;
  readonly issue: number;
  /** Whether the repository merges when green. */
  readonly merging: boolean;
}

export function pullState(pull: Pick<PullRef, 'state' | 'merged'>): WatchedPull['state'] {
  return pull.state === 'open' ? 'open' : pull.merged ? 'merged' : 'closed';
}

/** The record of a PR not watched before. */
export function firstRecord(watcher: Watcher, pull: PullRef, now: number): WatchedPull {
  return {
    repo: watcher.repo,
    number: pull.number,
    agent: watcher.agent,
    issue: watcher.issue,
    title: pull.title,
    headRef: pull.headRef,
    headSha: pull.headSha,
    baseRef: pull.baseRef,
    state: pullState(pull),
    checks: [],
    attempts: 0,
    woken: [],
    reported: [],
    passed: [],
    reruns: [],
    flaky: [],
    capped: false,
    merge: watcher.merging ? { kind: 'waiting' } : { kind: 'off' },
    waitingOn: 'checks to report',
    ignored: [],
    updatedAt: now,
  };
}

/** The record after the forge said what the PR is now. */
export function withPull(record: WatchedPull, pull: PullRef, now: number): WatchedPull {
  const state = pullState(pull);
  return {
    ...moveHead(record, pull.headSha, now),
    title: pull.title,
    baseRef: pull.baseRef,
    state,
    ...(state === 'merged' && record.merge.kind !== 'merged' ? { merge: { kind: 'merged' as const, at: now } } : {}),
    updatedAt: now,
  };
}

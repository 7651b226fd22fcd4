/** A watched pull request to save in a test, shared by the store's tests so a new field is added once. */
import type { WatchedPull } from '../../src/pulls/ports.js';
import { REPO_KEY } from '../store-contract/through-ports.js';

export const WATCHED_HEAD = 'a'.repeat(40);

/** PR `number` of the test repository: dev's, for issue `number - 1`, open on WATCHED_HEAD, nothing tried yet. */
export function watchedPull(number: number, fields: Partial<WatchedPull> = {}): WatchedPull {
  return {
    repo: REPO_KEY,
    number,
    agent: 'dev',
    issue: number - 1,
    title: `Fix issue ${number - 1}`,
    headRef: `issue-${number - 1}`,
    headSha: WATCHED_HEAD,
    baseRef: 'main',
    state: 'open',
    checks: [],
    attempts: 0,
    woken: [],
    reported: [],
    passed: [],
    reruns: [],
    flaky: [],
    capped: false,
    merge: { kind: 'off' },
    waitingOn: 'checks',
    ignored: [],
    updatedAt: 0,
    ...fields,
  };
}

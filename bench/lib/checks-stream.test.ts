import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checksStream, type PlannedStatus } from './checks-stream.js';

const all = (pulls: number, seed = 22): PlannedStatus[] => {
  const stream = checksStream(pulls, seed);
  return [...stream.beforePush, ...stream.afterPush];
};

describe('the checks benchmark’s stream of commit statuses', () => {
  it('sends ten statuses per PR: two failures on its head, three for its old head, five passes or pending', () => {
    const statuses = all(50);

    const count = (kind: PlannedStatus['kind']) => statuses.filter((s) => s.kind === kind).length;
    assert.equal(statuses.length, 500);
    assert.deepEqual(
      { failures: count('fails-head'), old: count('old-head'), green: count('green'), pending: count('pending') },
      { failures: 100, old: 150, green: 200, pending: 50 },
    );
  });

  it('calls a failure on a head the PR has moved past an old-head result, not one to wake dev for', () => {
    const { beforePush, afterPush } = checksStream(3, 1);

    assert.ok(beforePush.every((s) => s.head === 0 && s.kind !== 'old-head'));
    assert.ok(afterPush.filter((s) => s.head === 0).every((s) => s.kind === 'old-head'));
    assert.ok(afterPush.some((s) => s.head === 0 && s.state === 'failure'));
  });

  it('keeps each PR’s statuses in their order, so its failure comes after its passes', () => {
    const statuses = all(20, 7).filter((s) => s.pull === 4);

    assert.deepEqual(
      statuses.map((s) => `${s.head}:${s.context}:${s.state}`),
      [
        '0:ci/build:pending',
        '0:ci/build:success',
        '0:ci/lint:success',
        '0:ci/test:failure',
        '0:ci/test:success',
        '1:ci/build:success',
        '0:ci/e2e:failure',
        '1:ci/lint:success',
        '0:ci/e2e:success',
        '1:ci/test:failure',
      ],
    );
  });

  it('interleaves the PRs the same way for the same seed, and another way for another', () => {
    const order = (seed: number) => all(10, seed).map((s) => s.pull);

    assert.deepEqual(order(3), order(3));
    assert.notDeepEqual(order(3), order(4));
  });
});

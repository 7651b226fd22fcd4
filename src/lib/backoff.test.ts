import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cappedBackoff } from './backoff.js';

describe('the backoff', () => {
  it('waits the first delay after the first failure, doubling after each one, up to its cap', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 40].map((failures) => cappedBackoff(failures, 1000, 10_000)),
      [1000, 2000, 4000, 8000, 10_000, 10_000, 10_000],
    );
  });

  it('waits the first delay when nothing has failed yet', () => {
    assert.equal(cappedBackoff(0, 500, 10_000), 500);
  });
});

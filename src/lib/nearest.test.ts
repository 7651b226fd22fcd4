import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { editDistance, nearest } from './nearest.js';

describe('nearest', () => {
  const keys = ['concurrency', 'perRepository', 'maxAttempts', 'backoffSeconds', 'pollIntervalSeconds'];
  const cases: ReadonlyArray<[string, string | undefined]> = [
    ['concurency', 'concurrency'],
    ['maxAttempt', 'maxAttempts'],
    ['perrepository', 'perRepository'],
    ['backofSecond', 'backoffSeconds'],
    ['colour', undefined],
    ['x', undefined],
  ];
  for (const [word, expected] of cases) {
    it(`suggests ${expected ?? 'nothing'} for "${word}"`, () => {
      assert.equal(nearest(word, keys), expected);
    });
  }

  it('counts insertions, deletions and substitutions', () => {
    assert.deepEqual(
      [editDistance('kitten', 'sitting'), editDistance('', 'abc'), editDistance('same', 'same')],
      [3, 3, 0],
    );
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseJobQuery } from './job-query.js';

const bounds = { defaultLimit: 50, maxLimit: 1000 };

describe('parseJobQuery', () => {
  const accepted: ReadonlyArray<[string, Parameters<typeof parseJobQuery>[0], { states: string[]; limit: number }]> = [
    ['nothing: every state, the default limit', {}, { states: [], limit: 50 }],
    ['one state', { state: 'queued' }, { states: ['queued'], limit: 50 }],
    ['comma-separated states', { state: 'queued,running' }, { states: ['queued', 'running'], limit: 50 }],
    [
      'repeated states',
      { state: ['queued', 'failed,running'] },
      { states: ['queued', 'failed', 'running'], limit: 50 },
    ],
    ['a state given twice, once', { state: ['queued', 'queued'] }, { states: ['queued'], limit: 50 }],
    ['a limit', { limit: '5' }, { states: [], limit: 5 }],
  ];
  for (const [name, input, expected] of accepted) {
    it(`accepts ${name}`, () => {
      assert.deepEqual(parseJobQuery(input, bounds), { ok: true, value: expected });
    });
  }

  const refused: ReadonlyArray<[string, Parameters<typeof parseJobQuery>[0], RegExp]> = [
    [
      'an unknown state',
      { state: ['queued', 'sleeping'] },
      /unknown job state\(s\): sleeping; expected queued, running/,
    ],
    ['a limit that is not a number', { limit: 'abc' }, /limit must be a whole number from 1 to 1000, got "abc"/],
    ['a negative limit', { limit: '-5' }, /got "-5"/],
    ['a zero limit', { limit: '0' }, /got "0"/],
    ['a fractional limit', { limit: '2.5' }, /got "2.5"/],
    ['a limit above the maximum', { limit: '1001' }, /got "1001"/],
    ['an empty limit', { limit: '' }, /got ""/],
  ];
  for (const [name, input, message] of refused) {
    it(`refuses ${name}, saying what is wrong`, () => {
      const result = parseJobQuery(input, bounds);

      assert.ok(!result.ok);
      assert.match(result.error, message);
    });
  }
});

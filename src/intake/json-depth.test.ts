import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nestsDeeperThan } from './json-depth.js';

describe('nestsDeeperThan', () => {
  const cases: { name: string; json: string; limit: number; deeper: boolean }[] = [
    { name: 'a flat object', json: '{"a":1}', limit: 1, deeper: false },
    { name: 'two levels against a limit of one', json: '{"a":[1]}', limit: 1, deeper: true },
    { name: 'siblings, which do not add up', json: '[[1],[2],{"a":[3]}]', limit: 3, deeper: false },
    { name: 'brackets inside a string', json: '{"a":"[[[{{{"}', limit: 1, deeper: false },
    { name: 'an escaped quote that does not end the string', json: '{"a":"\\"[[[["}', limit: 1, deeper: false },
    { name: 'an escaped backslash that does end it', json: '{"a":"\\\\","b":[[1]]}', limit: 2, deeper: true },
    { name: 'multi-byte characters around brackets', json: '{"é✓":["☃"]}', limit: 2, deeper: false },
    { name: 'nesting that goes on after a string of brackets', json: '["]]}",[["{{"]]]', limit: 2, deeper: true },
    { name: 'an escape right before a closing quote', json: '["a\\\\",["\\"]"]]', limit: 2, deeper: false },
    { name: 'a million levels', json: '['.repeat(1_000_000), limit: 64, deeper: true },
  ];
  for (const { name, json, limit, deeper } of cases) {
    it(`answers ${deeper} for ${name} (limit ${limit})`, () => {
      assert.equal(nestsDeeperThan(Buffer.from(json, 'utf8'), limit), deeper);
    });
  }
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeText } from './escape-text.js';
import { formatTable } from './format-table.js';

describe('formatTable', () => {
  it('pads each column to its widest cell and leaves the last ragged', () => {
    const table = formatTable(
      ['ID', 'REPO'],
      [
        ['1', 'acme/widget'],
        ['10', 'a/b'],
      ],
    );

    assert.equal(table, 'ID  REPO\n1   acme/widget\n10  a/b\n');
  });

  it('shows control and bidi characters in a cell escaped, so a cell cannot add a row or reorder the line', () => {
    const owner = 'evil\n$(touch x)\u202Egnp.exe';

    const table = formatTable(['ID', 'OWNER', 'STATE'], [['1', owner, 'queued']]);

    assert.equal(table.split('\n').length, 3);
    assert.ok(table.includes('evil\\n$(touch x)\\u202egnp.exe'), table);
    assert.doesNotMatch(table, /\u202E/);
  });
});

describe('escapeText', () => {
  const cases: readonly [string, string][] = [
    ['plain', 'plain'],
    ['a\nb', 'a\\nb'],
    ['a\r\tb', 'a\\r\\tb'],
    ['bell\u0007', 'bell\\u0007'],
    ['del\u007f c1\u009b', 'del\\u007f c1\\u009b'],
    ['rtl\u202Eltr\u2066\u2069\u200F\u061C', 'rtl\\u202eltr\\u2066\\u2069\\u200f\\u061c'],
    ['back\\slash', 'back\\\\slash'],
    ['ünïcødé ✓', 'ünïcødé ✓'],
  ];
  for (const [input, expected] of cases) {
    it(`shows ${JSON.stringify(input)} as ${JSON.stringify(expected)}`, () => {
      assert.equal(escapeText(input), expected);
    });
  }
});

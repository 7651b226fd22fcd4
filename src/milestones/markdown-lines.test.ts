import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { markdownLines } from './markdown-lines.js';

const hidden = (text: string) =>
  markdownLines(text)
    .map((l) => (l.hidden ? 'h' : '.'))
    .join('');

describe('markdownLines', () => {
  it('hides a fenced code block with its fences, backticks or tildes', () => {
    assert.equal(hidden('a\n```ts\ncode\n```\nb\n~~~\ncode\n~~~\nc'), '.hhh.hhh.');
  });

  it('closes a fence only with a run of the same character at least as long', () => {
    assert.equal(hidden('````\n```\n~~~~\n`````\nb'), 'hhhh.');
  });

  it('does not take three backticks followed by more backticks on the line for a fence', () => {
    assert.equal(hidden('```inline``` text\nb'), '..');
  });

  it('hides a fence left open to the end of the text, as the forge shows it', () => {
    assert.equal(hidden('a\n```\nb\nc'), '.hhh');
  });

  it('hides the lines inside an HTML comment that spans lines, not a one-line comment', () => {
    assert.equal(hidden('<!-- one line -->\na <!--\nb\nc -->\nd'), '..hh.');
  });

  it('keeps each raw line, `\\r` included, and gives the text without it', () => {
    const lines = markdownLines('a\r\nb');

    assert.deepEqual(
      lines.map((l) => [l.raw, l.text]),
      [
        ['a\r', 'a'],
        ['b', 'b'],
      ],
    );
    assert.equal(lines.map((l) => l.raw).join('\n'), 'a\r\nb');
  });
});

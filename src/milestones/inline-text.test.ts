import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inlineText, MAX_TITLE } from './inline-text.js';

describe('inlineText', () => {
  const cases: ReadonlyArray<[string, string, string]> = [
    [
      'keeps plain words and sentence punctuation',
      'Sessions store + resume, v2.0: done?',
      'Sessions store + resume, v2.0: done?',
    ],
    ['writes HTML as text', '<b>x</b> & <!-- c -->', '&#60;b&#62;x&#60;/b&#62; &#38; &#60;&#33;-- c --&#62;'],
    ['writes link and image syntax as text', '![a](b) [c]', '&#33;&#91;a&#93;&#40;b&#41; &#91;c&#93;'],
    [
      'writes emphasis, code and tables as text',
      '*a* _b_ ~c~ `d` |e| \\f',
      '&#42;a&#42; &#95;b&#95; &#126;c&#126; &#96;d&#96; &#124;e&#124; &#92;f',
    ],
    ['takes the @ out of a mention and the # out of a reference', '@boss #12', '&#64;boss &#35;12'],
    ['puts it on one line', ' a\n\tb\r\n c \u2028', 'a b c'],
    ['drops control and direction-changing characters', 'a\u0000b\u202ec\u2066d', 'abcd'],
  ];
  for (const [what, text, shown] of cases) {
    it(what, () => {
      assert.equal(inlineText(text), shown);
    });
  }

  it(`cuts a long text to ${MAX_TITLE} characters, without splitting one`, () => {
    const text = '😀'.repeat(MAX_TITLE + 10);

    const shown = inlineText(text);

    assert.equal(Array.from(shown).length, MAX_TITLE);
    assert.ok(shown.endsWith('😀…'));
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_BODY_SCANNED, MAX_UPSTREAM, parseFooter, renderFooter } from './dependencies.js';

const story = (...lines: string[]) => lines.join('\n');

describe('parseFooter', () => {
  const read: ReadonlyArray<{ what: string; section: string[]; upstream: number[] }> = [
    { what: 'a bare reference item', section: ['- #12'], upstream: [12] },
    {
      what: 'an item with the title after the reference',
      section: ['- #12 Workdir module (#3 split out)'],
      upstream: [12],
    },
    { what: 'a star or plus item', section: ['* #12', '+ #13'], upstream: [12, 13] },
    {
      what: 'a task-list item, ticked or not',
      section: ['- [x] #12', '- [ ] #13', '- [X] #14'],
      upstream: [12, 13, 14],
    },
    { what: 'a nested item', section: ['- #12', '  - #13'], upstream: [12, 13] },
    {
      what: 'a "Depends on" line with several references',
      section: ['Depends on #12, #13 and #14'],
      upstream: [12, 13, 14],
    },
    { what: 'a "depends on:" item, in any case', section: ['- depends on: #12 & #13'], upstream: [12, 13] },
    {
      what: 'each story once, in the order written',
      section: ['- #13', '- #12', 'Depends on #13'],
      upstream: [13, 12],
    },
  ];
  for (const { what, section, upstream } of read) {
    it(`reads ${what}`, () => {
      const body = story('Do the thing.', '', '## Dependencies', ...section);

      assert.deepEqual(parseFooter(body).upstream, upstream);
    });
  }

  const ignored: ReadonlyArray<{ what: string; section: string[] }> = [
    { what: '`- none`', section: ['- none'] },
    { what: 'a reference that does not start its item', section: ['- see #12', 'We need #13 first.'] },
    { what: 'what only looks like a reference', section: ['- #12a', '- #0', '- #1234567890', '- #'] },
    { what: 'a reference into another repository', section: ['- acme/other#12'] },
    { what: 'a commented-out item', section: ['<!--', '- #12', '-->', '<!-- - #13 -->'] },
    { what: 'an item in a code block', section: ['```md', '- #12', '```', '~~~~', '- #13', '~~~~'] },
  ];
  for (const { what, section } of ignored) {
    it(`ignores ${what}`, () => {
      const body = story('Do the thing.', '', '## Dependencies', ...section);

      assert.deepEqual(parseFooter(body).upstream, []);
    });
  }

  it('reads the section under a heading of any level, with a colon or a closing sequence', () => {
    for (const heading of ['# Dependencies', '### dependencies:', '## Dependencies ##', '  ## DEPENDENCIES']) {
      assert.deepEqual(parseFooter(story('Text', heading, '- #4')).upstream, [4], heading);
    }
  });

  it('ignores references outside the section: before it, and after the next heading', () => {
    const body = story('- #1 is related', '## Dependencies', '- #2', '## Notes', '- #3', 'Depends on #4');

    assert.deepEqual(parseFooter(body).upstream, [2]);
  });

  it('ignores a Dependencies heading inside a code block, and one quoted from another story', () => {
    const body = story('```', '## Dependencies', '- #7', '```', '> ## Dependencies', '> - #8');

    assert.deepEqual(parseFooter(body).upstream, []);
  });

  it('reads every Dependencies section when a body has two', () => {
    const body = story('## Dependencies', '- #2', '## Plan', 'text', '## Dependencies', '- #3');

    assert.deepEqual(parseFooter(body).upstream, [2, 3]);
  });

  it('reads bodies written with CRLF line ends, as the forge stores a browser form', () => {
    const body = 'Text\r\n\r\n## Dependencies\r\nTracking: #1\r\n- #2\r\n- #3\r\n';

    assert.deepEqual(parseFooter(body), { upstream: [2, 3], tracking: 1, truncated: false });
  });

  describe('the tracking link', () => {
    it('is the Tracking line of the section, which is not an upstream story', () => {
      assert.deepEqual(parseFooter(story('## Dependencies', 'Tracking: #1', '- #2')), {
        upstream: [2],
        tracking: 1,
        truncated: false,
      });
    });

    it('is read as "Part of #N" too, and only the first one counts', () => {
      assert.equal(parseFooter(story('## Dependencies', '- Part of #5', 'Tracking: #6')).tracking, 5);
    });

    it('is not read outside the section', () => {
      assert.equal(parseFooter(story('Part of #5', 'Tracking: #6', '## Dependencies', '- none')).tracking, undefined);
    });
  });

  describe('untrusted bodies', () => {
    it('gives an empty footer for no body, an empty one, and one without a section', () => {
      for (const body of [null, undefined, '', 'just text #4', '## Dependencies']) {
        assert.deepEqual(parseFooter(body), { upstream: [], tracking: undefined, truncated: false });
      }
    });

    it('never throws on garbage', () => {
      const garbage = [
        '\u0000\u202e## Dependencies\n- #\u00001',
        `## Dependencies\n${'- #'.repeat(10_000)}`,
        `## Dependencies\n${'#'.repeat(50_000)} #`,
        `## ${'#'.repeat(30_000)} #\n- #1`,
        `${'<!--'.repeat(5_000)}\n- #1`,
        '`'.repeat(20_000),
        `Depends on ${'#1 and '.repeat(5_000)}`,
      ];
      for (const body of garbage) assert.doesNotThrow(() => parseFooter(body));
    });

    it(`keeps at most ${MAX_UPSTREAM} upstream stories and says it cut the rest`, () => {
      const items = Array.from({ length: MAX_UPSTREAM + 5 }, (_, i) => `- #${i + 1}`);

      const footer = parseFooter(story('## Dependencies', ...items));

      assert.equal(footer.upstream.length, MAX_UPSTREAM);
      assert.equal(footer.truncated, true);
    });

    it('does not call a repeated reference past the bound a cut', () => {
      const items = Array.from({ length: MAX_UPSTREAM }, (_, i) => `- #${i + 1}`);

      assert.equal(parseFooter(story('## Dependencies', ...items, '- #1')).truncated, false);
    });

    it(`reads the first ${MAX_BODY_SCANNED} characters of a body and says when there was more`, () => {
      const padding = 'x'.repeat(MAX_BODY_SCANNED);

      const footer = parseFooter(story('## Dependencies', '- #2', padding, '- #3'));

      assert.deepEqual(footer.upstream, [2]);
      assert.equal(footer.truncated, true);
    });
  });
});

describe('renderFooter', () => {
  it('writes the heading, the tracking link and one item per upstream story', () => {
    const footer = renderFooter({ tracking: 1, upstream: [3, 2], titles: new Map([[3, 'Workdir module']]) });

    assert.equal(footer, story('## Dependencies', 'Tracking: #1', '- #3 Workdir module', '- #2'));
  });

  it('writes `- none` for a story with no upstream', () => {
    assert.equal(renderFooter({ upstream: [] }), story('## Dependencies', '- none'));
  });

  it('is read back as written, whatever the titles hold', () => {
    const spec = {
      tracking: 9,
      upstream: [4, 5, 6],
      titles: new Map([
        [4, 'Depends on #99'],
        [5, 'two\nlines\n## Notes\n- #98'],
        [6, '<!-- claude-hooks:milestone --> @boss plan'],
      ]),
    };

    const body = story('A story.', '', renderFooter(spec));

    assert.deepEqual(parseFooter(body), { upstream: [4, 5, 6], tracking: 9, truncated: false });
  });

  it('leaves out numbers the parser would not read, and repeats', () => {
    assert.equal(renderFooter({ upstream: [0, -1, 2.5, 1e10, 7, 7] }), story('## Dependencies', '- #7'));
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFooter } from '../../milestones/dependencies.js';
import { hasFooterSection, withFooter } from './footer-section.js';

const FOOTER = '## Dependencies\nTracking: #1\n- #4';
const lines = (...all: string[]) => all.join('\n');

describe('footer-section', () => {
  it('appends the footer after the text, one blank line between, when the body has none', () => {
    assert.equal(withFooter('Do it.\n\n', FOOTER), `Do it.\n\n${FOOTER}\n`);
    assert.equal(withFooter('', FOOTER), `${FOOTER}\n`);
  });

  it('replaces the footer where it stands, keeping the sections after it and their line ends', () => {
    const body = lines('Intro.\r', '\r', '## Dependencies\r', '- #2\r', '\r', '## Notes\r', 'Keep me.\r');

    const written = withFooter(body, FOOTER);

    assert.equal(written, lines('Intro.\r', '\r', FOOTER, '', '## Notes\r', 'Keep me.\r'));
    assert.deepEqual(parseFooter(written).upstream, [4]);
  });

  it('drops a second Dependencies section, which the parser would also read', () => {
    const body = lines('## Dependencies', '- #2', '## Notes', 'Text', '### Dependencies:', '- #3');

    const written = withFooter(body, FOOTER);

    assert.equal(written, lines(FOOTER, '', '## Notes', 'Text'));
    assert.deepEqual(parseFooter(written), { upstream: [4], tracking: 1, truncated: false });
  });

  const found = [
    { what: 'a heading of another level with a colon', body: 'Text\n### Dependencies:\n- #2', has: true },
    { what: 'a heading with a closing sequence', body: '## Dependencies ##\n- #2', has: true },
    { what: 'a heading inside a code block', body: '```md\n## Dependencies\n- #2\n```', has: false },
    { what: 'a heading in an HTML comment', body: '<!--\n## Dependencies\n-->', has: false },
    { what: 'the word without a heading', body: 'Dependencies: #2', has: false },
  ];
  for (const { what, body, has } of found) {
    it(`${has ? 'finds' : 'finds no'} footer section in ${what}`, () => {
      assert.equal(hasFooterSection(body), has);
    });
  }

  it('leaves a heading in a code block where it is, and appends the footer after it', () => {
    const body = '```md\n## Dependencies\n- #2\n```';

    assert.equal(withFooter(body, FOOTER), `${body}\n\n${FOOTER}\n`);
  });
});

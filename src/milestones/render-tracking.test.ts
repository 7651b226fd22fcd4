import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { merged, milestone, pullOpen, story } from '../../test/support/milestones.js';
import { parseFooter } from './dependencies.js';
import type { MilestoneGraph, StoryInput } from './graph.js';
import { BLOCK_END, BLOCK_START, renderTrackingBlock, replaceTrackingBlock } from './render-tracking.js';
import { schedule } from './schedule.js';

const render = (graph: MilestoneGraph) =>
  renderTrackingBlock(graph, schedule(graph, { stacking: true, maxInFlight: 3 }));
const lines = (...text: string[]) => text.join('\n');

// The milestone that started the project, part way through.
const project: StoryInput[] = [
  story(2, { title: 'Spike', ...merged(12) }),
  story(3, { title: 'Workdir module', after: [2], ...merged(13) }),
  story(4, { title: 'Webhook intake', after: [2], ...merged(14) }),
  story(5, { title: 'Dispatcher', after: [3, 4], ...pullOpen(5, 15) }),
  story(6, { title: 'Sessions store + resume', after: [3] }),
  story(7, { title: 'Daily expiration sweeper', after: [6] }),
  story(8, { title: 'Dashboard', after: [5, 6] }),
];

describe('renderTrackingBlock', () => {
  it('shows each layer with its stories, the waves, the critical path, between the markers', () => {
    assert.equal(
      render(milestone(project)),
      lines(
        BLOCK_START,
        '## Milestone',
        '',
        "_Kept by claude-hooks from the stories' `## Dependencies` footers: change those, not this block, which is rewritten on every change._",
        '',
        '**Progress:** 3 of 7 stories done · 1 in progress · 1 ready · 2 waiting',
        '',
        '**Layer 0**',
        '- #2 Spike ✅ PR #12',
        '',
        '**Layer 1**',
        '- #3 Workdir module ✅ PR #13',
        '- #4 Webhook intake ✅ PR #14',
        '',
        '**Layer 2**',
        '- #5 Dispatcher — in progress, PR #15',
        '- #6 Sessions store + resume ← next up',
        '',
        '**Layer 3**',
        '- #7 Daily expiration sweeper <-- #6',
        '- #8 Dashboard <-- #5, #6',
        '',
        '**Recommended execution order**',
        '- Wave 1: #5, #6',
        '- Wave 2: #7, #8',
        '',
        '**Critical path:** #5 → #8',
        BLOCK_END,
      ),
    );
  });

  it('shows a stacked start, a story closed as not planned, and one in progress without a pull request', () => {
    const text = render(
      milestone([
        story(2, pullOpen(2, 20)),
        story(3, { after: [2] }),
        story(4, { state: 'not-planned' }),
        story(5, { inProgress: true }),
      ]),
    );

    assert.match(text, /^- #3 Story 3 ← next up, stacked on #2 \(PR #20\)$/m);
    assert.match(text, /^- ~~#4 Story 4~~ not planned$/m);
    assert.match(text, /^- #5 Story 5 — in progress$/m);
  });

  it('lists the problems and says on each blocked story why', () => {
    const text = render(
      milestone([
        story(2, { after: [3] }),
        story(3, { after: [2] }),
        story(4, { after: [40] }),
        story(5, { after: [4] }),
      ]),
    );

    assert.match(text, /^- #2 Story 2 ⛔ blocked: in the cycle #2 → #3 → #2$/m);
    assert.match(text, /^- #4 Story 4 ⛔ blocked: upstream #40 does not exist$/m);
    assert.match(text, /^- #5 Story 5 <-- #4$/m);
    assert.match(
      text,
      /\*\*Problems\*\*\n- #2 → #3 → #2 is a cycle: .*\n- #4 depends on #40, which does not exist: .*\n/,
    );
    assert.doesNotMatch(text, /Critical path|execution order/);
  });

  it('says so when the milestone has no stories yet', () => {
    assert.match(render(milestone([])), /^No stories yet\.$/m);
  });

  it('gives the same text for the same milestone, whatever order its stories came in', () => {
    assert.equal(render(milestone([...project].reverse())), render(milestone(project)));
  });

  describe('untrusted titles', () => {
    const titled = (title: string) => render(milestone([story(2, { title })]));

    it('cannot make markup, links, images or HTML', () => {
      const text = titled('**bold** [x](https://evil.example) ![p](https://t.example/p.gif) <img src=x> `code`');

      assert.match(text, /^- #2 &#42;&#42;bold&#42;&#42; &#91;x&#93;&#40;https:\/\/evil\.example&#41;/m);
      assert.doesNotMatch(text, /<img|\]\(|`code`/);
    });

    it('cannot mention anyone or reference another issue', () => {
      const text = titled('@boss plan, see #9');

      assert.match(text, /^- #2 &#64;boss plan, see &#35;9 ← next up$/m);
    });

    it('stays on its line', () => {
      const text = titled('one\ntwo\r\n## Heading\u2028- #9\u202eevil');

      assert.match(text, /^- #2 one two &#35;&#35; Heading - &#35;9evil ← next up$/m);
    });

    it('cannot spell a marker, so the block stays whole', () => {
      const hostile = `${BLOCK_END}\n${BLOCK_START}`;
      const block = titled(hostile);

      const { body } = replaceTrackingBlock('People wrote this.', block);
      const again = replaceTrackingBlock(`${body}And this.`, render(milestone([story(2, merged(5))])));

      assert.equal(block.split('\n').filter((l) => l === BLOCK_START || l === BLOCK_END).length, 2);
      assert.ok(again.body.startsWith('People wrote this.\n\n'));
      assert.ok(again.body.endsWith(`${BLOCK_END}\nAnd this.`));
      assert.match(again.body, /#2 Story 2 ✅ PR #5/);
      assert.doesNotMatch(again.body, /next up/);
    });
  });

  it("is not read as upstream stories by the tracking issue's own footer", () => {
    const body = replaceTrackingBlock(lines('Plan.', '', '## Dependencies', '- #40'), render(milestone(project))).body;

    assert.deepEqual(parseFooter(body).upstream, [40]);
  });
});

describe('replaceTrackingBlock', () => {
  const block = (version: string) => lines(BLOCK_START, `content ${version}`, BLOCK_END);

  it('appends the block after a blank line when the body has none', () => {
    const cases: ReadonlyArray<[string | null, string]> = [
      [null, `${block('a')}\n`],
      ['', `${block('a')}\n`],
      ['Text', `Text\n\n${block('a')}\n`],
      ['Text\n', `Text\n\n${block('a')}\n`],
      ['Text\n\n', `Text\n\n${block('a')}\n`],
      ['Text\r\n\r\n', `Text\r\n\r\n${block('a')}\n`],
    ];
    for (const [body, expected] of cases) {
      assert.deepEqual(replaceTrackingBlock(body, block('a')), { body: expected, changed: true }, JSON.stringify(body));
    }
  });

  it('replaces only the block, leaving every character around it as written', () => {
    const before = 'Intro with **markup**\r\n\r\n  indented   \r\n';
    const after = '\r\nNotes people added  \r\n- #3 later\r\n';

    const { body, changed } = replaceTrackingBlock(`${before}${block('a')}${after}`, block('b'));

    assert.equal(body, `${before}${block('b')}${after}`);
    assert.equal(changed, true);
  });

  it('says nothing changed, and gives the body back as it was, when the block is the same', () => {
    const body = `Text\n\n${block('a')}\nMore`;

    assert.deepEqual(replaceTrackingBlock(body, block('a')), { body, changed: false });
  });

  it('says nothing changed when the forge stored the block with CRLF line ends', () => {
    const body = `Text\r\n\r\n${block('a').replaceAll('\n', '\r\n')}\r\nMore`;

    assert.deepEqual(replaceTrackingBlock(body, block('a')), { body, changed: false });
  });

  it('rewrites what a person edited inside the block', () => {
    const edited = lines(BLOCK_START, 'content a, edited', BLOCK_END);

    assert.deepEqual(replaceTrackingBlock(`Text\n\n${edited}\n`, block('a')), {
      body: `Text\n\n${block('a')}\n`,
      changed: true,
    });
  });

  it('finds its block after a marker quoted earlier in the body', () => {
    const body = lines('How it works:', '```', BLOCK_START, '```', '', block('a'));

    assert.equal(
      replaceTrackingBlock(body, block('b')).body,
      lines('How it works:', '```', BLOCK_START, '```', '', block('b')),
    );
  });

  it('counts markers only alone on their line', () => {
    const body = `Text about ${BLOCK_START} and ${BLOCK_END} inline.`;

    assert.equal(replaceTrackingBlock(body, block('a')).body, `${body}\n\n${block('a')}\n`);
  });

  it('appends a new block when the end marker was deleted, keeping the text after the start marker', () => {
    const body = lines('Text', BLOCK_START, 'old content', 'Text a person wrote after it');

    const once = replaceTrackingBlock(body, block('a'));
    const twice = replaceTrackingBlock(once.body, block('a'));

    assert.equal(once.body, `${body}\n\n${block('a')}\n`);
    assert.deepEqual(twice, { body: once.body, changed: false });
  });

  it('is stable: a second replace with the same block changes nothing, whatever the body', () => {
    const bodies = [
      '',
      'x',
      '```\nopen fence never closed',
      '<!-- open comment',
      `${BLOCK_END}\n${BLOCK_START}`,
      '\r\n\r\n',
    ];
    for (const start of bodies) {
      const once = replaceTrackingBlock(start, block('a'));
      assert.deepEqual(replaceTrackingBlock(once.body, block('a')), { body: once.body, changed: false }, start);
    }
  });
});

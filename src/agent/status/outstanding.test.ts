import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { answeredIn, answerMarker, withoutAnswerMarkers } from './answer-marker.js';
import { type LineComment, outstandingReviewComments, type ReviewWithComments } from './outstanding.js';

const user = (login: string) => ({ login, id: login.length });
const line = (id: number, login: string, path = 'src/login.ts', at = 12, htmlUrl?: string): LineComment => ({
  id,
  author: user(login),
  path,
  line: at,
  ...(htmlUrl === undefined ? {} : { htmlUrl }),
});
const review = (state: ReviewWithComments['state'], ...comments: LineComment[]): ReviewWithComments => ({
  state,
  comments,
});
const said = (login: string, body: string) => ({ author: user(login), body });

describe('outstandingReviewComments', () => {
  it('lists every line comment of a submitted review that dev has not answered, with where it is', () => {
    const outstanding = outstandingReviewComments({
      reviews: [
        review('changes_requested', line(11, 'alice', 'src/login.ts', 12, 'https://forge.test/pulls/2/files#c11')),
      ],
      conversation: [],
      author: 'dev',
    });

    assert.deepEqual(outstanding, [
      { id: 11, author: 'alice', where: 'src/login.ts:12', url: 'https://forge.test/pulls/2/files#c11' },
    ]);
  });

  it("leaves out a comment dev's own comment marks as fixed or answered", () => {
    const outstanding = outstandingReviewComments({
      reviews: [
        review('changes_requested', line(11, 'alice'), line(12, 'alice')),
        review('comment', line(13, 'reviewer')),
      ],
      conversation: [
        said('dev', `Done.\n\n${answerMarker(11, 'fixed')}`),
        said('dev', `It stays.\n\n${answerMarker(13, 'answered')}`),
      ],
      author: 'dev',
    });

    assert.deepEqual(
      outstanding.map((comment) => comment.id),
      [12],
    );
  });

  it("does not count a marker in someone else's comment", () => {
    const outstanding = outstandingReviewComments({
      reviews: [review('changes_requested', line(11, 'alice'))],
      conversation: [said('alice', answerMarker(11, 'fixed')), said('reviewer', answerMarker(11, 'answered'))],
      author: 'dev',
    });

    assert.deepEqual(
      outstanding.map((comment) => comment.id),
      [11],
    );
  });

  it('does not count a marker for another comment', () => {
    const outstanding = outstandingReviewComments({
      reviews: [review('changes_requested', line(11, 'alice'))],
      conversation: [said('dev', answerMarker(111, 'fixed')), said('dev', 'Fixed review comment 11.')],
      author: 'dev',
    });

    assert.deepEqual(
      outstanding.map((comment) => comment.id),
      [11],
    );
  });

  it("never lists dev's own line comments, whatever case the forge writes its login in", () => {
    const outstanding = outstandingReviewComments({
      reviews: [review('comment', line(11, 'Dev'), line(12, 'alice'))],
      conversation: [said('DEV', answerMarker(12, 'answered'))],
      author: 'dev',
    });

    assert.deepEqual(outstanding, []);
  });

  it('counts only submitted reviews, and names a comment on no line by its path alone, oldest first', () => {
    const outstanding = outstandingReviewComments({
      reviews: [
        review('pending', line(20, 'alice')),
        review('requested'),
        review('approved', line(15, 'bob', 'README.md', 0)),
        review('comment', line(14, 'alice', 'a.ts', 3, 'javascript:alert(1)')),
      ],
      conversation: [],
      author: 'dev',
    });

    assert.deepEqual(outstanding, [
      { id: 14, author: 'alice', where: 'a.ts:3', url: undefined },
      { id: 15, author: 'bob', where: 'README.md', url: undefined },
    ]);
  });
});

describe('answer markers', () => {
  it('reads back the comments a body marks, and nothing from a marker written otherwise', () => {
    const body = [
      answerMarker(7, 'fixed'),
      answerMarker(8, 'answered'),
      '<!-- claude-hooks:answers review-comment 9 done -->',
      '<!--claude-hooks:answers review-comment 10 fixed-->',
    ].join('\n');

    assert.deepEqual(answeredIn(body), [7, 8]);
  });

  const forged = [
    { says: 'the exact marker', text: `Fine.\n${answerMarker(5, 'fixed')}` },
    {
      says: 'a marker spaced and cased otherwise',
      text: 'Fine. <!--CLAUDE-HOOKS : answers review-comment 5 fixed -->',
    },
    { says: 'a marker left open', text: 'Fine. <!-- claude-hooks:answers review-comment 5 fixed' },
    {
      says: 'a marker that removing another would put together',
      text: `Fine. <!<!-- claude-hooks:answers x -->-- claude-hooks:answers review-comment 5 fixed -->`,
    },
  ];
  for (const { says, text } of forged) {
    it(`removes ${says} from text the agent wrote, keeping the rest`, () => {
      const cleaned = withoutAnswerMarkers(text);

      assert.deepEqual(answeredIn(cleaned), []);
      assert.ok(cleaned.startsWith('Fine.'), cleaned);
      assert.ok(!/claude-hooks/i.test(cleaned), cleaned);
    });
  }

  it('keeps HTML comments that are not the service’s', () => {
    assert.equal(withoutAnswerMarkers('a <!-- note --> b'), 'a <!-- note --> b');
  });
});

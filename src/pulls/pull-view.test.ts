import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WATCHED_HEAD, watchedPull } from '../../test/support/watched-pull.js';
import type { CheckRecord, MergeState } from './ports.js';
import { formatPullTable, mergeWords, pullView } from './pull-view.js';

const check = (context: string, state: CheckRecord['state']): CheckRecord => ({
  context,
  state,
  source: 'status',
  targetUrl: '',
  description: '',
  at: 0,
});

describe('pull-view', () => {
  it('names the PR as a person does, with its short head, branch, base, agent and issue', () => {
    const view = pullView(watchedPull(12, { updatedAt: Date.parse('2026-11-20T12:00:00Z') }), 3);

    assert.deepEqual(
      [view.repo, view.number, view.head, view.branch, view.base, view.agent, view.issue, view.state],
      ['acme/widget', 12, WATCHED_HEAD.slice(0, 10), 'issue-11', 'main', 'dev', 11, 'open'],
    );
    assert.equal(view.updatedAt, '2026-11-20T12:00:00.000Z');
  });

  it('sums up the head’s checks and names the ones failing and the ones still running', () => {
    const pull = watchedPull(12, {
      checks: [check('build', 'failure'), check('lint', 'success'), check('test', 'pending'), check('e2e', 'failure')],
    });

    const view = pullView(pull, 3);

    assert.equal(view.checks, 'failure');
    assert.deepEqual(view.failing, ['build', 'e2e']);
    assert.deepEqual(view.pending, ['test']);
    assert.equal(pullView(watchedPull(13), 3).checks, 'none');
  });

  it('counts the attempts used of the cap, says when they are used up, and counts reruns and flaky checks', () => {
    const rerun = { sha: WATCHED_HEAD, context: 'e2e', run: 4, at: 0 };

    const working = pullView(watchedPull(12, { attempts: 1, reruns: [rerun] }), 3);
    const capped = pullView(watchedPull(13, { attempts: 3, capped: true, flaky: ['e2e'], reruns: [rerun, rerun] }), 3);

    assert.deepEqual([working.attempts, working.attemptsUsed, working.cap, working.reruns], ['1 of 3', 1, 3, 1]);
    assert.deepEqual([capped.attempts, capped.reruns, capped.flaky], ['3 of 3, used up', 2, ['e2e']]);
  });

  it('passes on what the PR waits on, and the reason the latest ignored result was ignored', () => {
    const pull = watchedPull(12, {
      waitingOn: 'dev to fix its failed checks',
      ignored: [
        { sha: 'b'.repeat(40), context: 'build', reason: 'first reason', at: 1 },
        { sha: 'b'.repeat(40), context: 'lint', reason: 'lint is not a required check', at: 2 },
      ],
    });

    const view = pullView(pull, 3);

    assert.equal(view.waitingOn, 'dev to fix its failed checks');
    assert.equal(view.lastIgnored, 'lint is not a required check');
    assert.equal(pullView(watchedPull(13), 3).lastIgnored, undefined);
  });

  it('says where merging stands in words', () => {
    const cases: ReadonlyArray<[MergeState, string]> = [
      [{ kind: 'off' }, 'by a person'],
      [{ kind: 'waiting' }, 'when green and approved'],
      [{ kind: 'asked', sha: 'c'.repeat(40), at: 1 }, 'asked for cccccccccc'],
      [
        { kind: 'refused', sha: 'c'.repeat(40), reason: 'the base branch is protected', at: 1 },
        'refused for cccccccccc: the base branch is protected',
      ],
      [{ kind: 'merged', at: 1 }, 'merged'],
    ];

    for (const [merge, words] of cases) assert.equal(mergeWords(merge), words, merge.kind);
  });

  it('prints one line per PR, the failing checks named, the title last and its control characters escaped', () => {
    const views = [
      pullView(
        watchedPull(12, {
          checks: [check('build', 'failure')],
          attempts: 2,
          flaky: ['e2e'],
          waitingOn: 'dev to fix its failed checks',
          title: 'Red \u001b[31malert\u001b[0m',
        }),
        3,
      ),
      pullView(watchedPull(13, { state: 'merged', merge: { kind: 'merged', at: 1 }, waitingOn: 'nothing: merged' }), 3),
    ];

    const lines = formatPullTable(views).trimEnd().split('\n');

    assert.match(
      lines[0]!,
      /^PR\s+STATE\s+AGENT\s+HEAD\s+CHECKS\s+ATTEMPTS\s+RERUNS\s+FLAKY\s+MERGE\s+WAITS ON\s+TITLE$/,
    );
    assert.match(
      lines[1]!,
      /^acme\/widget#12\s+open\s+dev \(#11\)\s+issue-11@aaaaaaaaaa\s+failure: build\s+2 of 3\s+0\s+e2e\s+by a person\s+dev to fix its failed checks\s+Red \\u001b\[31malert\\u001b\[0m$/,
    );
    assert.match(
      lines[2]!,
      /^acme\/widget#13\s+merged\s+.*\s+none\s+0 of 3\s+0\s+-\s+merged\s+nothing: merged\s+Fix issue 12$/,
    );
    assert.ok(!lines.join('\n').includes('\u001b'), 'no escape character reaches the terminal');
  });

  it('says when there is nothing to show, and how to see the settled ones', () => {
    assert.equal(formatPullTable([]), 'no open pull requests watched (--all shows merged and closed ones)\n');
    assert.equal(formatPullTable([], { all: true }), 'no pull requests: the service watches none yet\n');
  });
});

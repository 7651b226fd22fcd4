import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WATCHED_HEAD, watchedPull } from '../../../test/support/watched-pull.js';
import type { WatchedPull } from '../../pulls/ports.js';
import { pullRowOf, toWatchedPull, type PullRow } from './pulls.js';

const HEAD = WATCHED_HEAD;

const pull = watchedPull(8, {
  repo: 'Forge.Test/Acme/Widget',
  issue: 7,
  title: 'Fix the login form',
  headRef: 'issue-7',
  checks: [
    { context: 'ci / test', state: 'failure', source: 'run', targetUrl: 'https://x', description: 'failed', at: 3 },
  ],
  attempts: 1,
  woken: [HEAD],
  reported: [{ context: 'ci / test', sha: HEAD }],
  merge: { kind: 'asked', sha: HEAD, at: 4 },
  updatedAt: 5,
});

/** A row whose record is `record`, its columns those of `pull`. */
const rowWith = (record: unknown): PullRow => ({ ...pullRowOf(pull), record: JSON.stringify(record) });

describe('a watched_pulls row', () => {
  it('is stored under the repository key in lower case, in its columns and its record', () => {
    const row = pullRowOf(pull);

    assert.equal(row.repo, 'forge.test/acme/widget');
    assert.equal((JSON.parse(row.record) as WatchedPull).repo, 'forge.test/acme/widget');
    assert.deepEqual(toWatchedPull(row), { ...pull, repo: 'forge.test/acme/widget' });
  });

  it('reads a record a newer release wrote: fields it does not know are dropped, list items it cannot read skipped', () => {
    const stored = JSON.parse(pullRowOf(pull).record) as Record<string, unknown>;
    const newer = {
      ...stored,
      reviewThreads: [{ id: 3 }],
      checks: [
        ...pull.checks,
        { context: 'ci / deploy', state: 'skipped', source: 'run', targetUrl: '', description: '', at: 6 },
      ],
      merge: { kind: 'queued', position: 2 },
    };

    const read = toWatchedPull(rowWith(newer));

    assert.deepEqual(read, { ...pull, repo: 'forge.test/acme/widget', merge: { kind: 'off' } });
    assert.equal('reviewThreads' in read, false);
  });

  it('reads a record with fields missing or malformed as their empty values, and takes the key, head, state and time from the columns', () => {
    const read = toWatchedPull({
      ...rowWith({ agent: 'dev', attempts: -1, woken: 'not a list', capped: 'yes', merge: null }),
      state: 'closed',
      updated_at: 9,
    });

    assert.deepEqual(read, {
      repo: 'forge.test/acme/widget',
      number: 8,
      agent: 'dev',
      issue: 0,
      title: '',
      headRef: '',
      headSha: HEAD,
      baseRef: '',
      state: 'closed',
      checks: [],
      attempts: 0,
      woken: [],
      reported: [],
      passed: [],
      reruns: [],
      flaky: [],
      capped: false,
      merge: { kind: 'off' },
      waitingOn: '',
      ignored: [],
      updatedAt: 9,
    });
  });

  it('reads a record that is not JSON as an empty one rather than failing the read', () => {
    const read = toWatchedPull({ ...pullRowOf(pull), record: '{"agent": "dev", "tit' });

    assert.deepEqual([read.number, read.headSha, read.agent, read.checks], [8, HEAD, '', []]);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { manualClock } from '../lib/clock.js';
import { capturingLogger } from '../../test/support/capturing-logger.js';
import { createBackgroundFetch, type FetchBranches } from './background-fetch.js';
import type { RepoSpec } from './types.js';

const repoOf = (name: string): RepoSpec => ({
  host: 'forge.test',
  owner: 'acme',
  name,
  cloneUrl: `http://forge.test/acme/${name}.git`,
  defaultBranch: 'main',
});
const app = repoOf('app');
const lib = repoOf('lib');

/** A fetch that records what it was asked and waits until the test lets it end. */
function gatedFetch() {
  const calls: Array<{ repo: string; branches: readonly string[]; signal: AbortSignal }> = [];
  const pending: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  const fetch: FetchBranches = (repo, branches, signal) => {
    calls.push({ repo: repo.name, branches, signal });
    return new Promise<void>((resolve, reject) => {
      pending.push({ resolve, reject });
      signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
    });
  };
  const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
  return { fetch, calls, pending, turn };
}

describe('background fetches after pushes', () => {
  it('fetches the branches pushed to one repository within the debounce together, once', async () => {
    const clock = manualClock();
    const { fetch, calls, pending, turn } = gatedFetch();
    const fetcher = createBackgroundFetch({ fetch, clock, log: capturingLogger().log, debounceMs: 200 });

    fetcher.request(app, 'issue-1');
    fetcher.request(app, 'issue-2');
    fetcher.request(app, 'issue-1');
    await turn();
    assert.equal(calls.length, 0);
    clock.advance(200);
    await turn();

    assert.deepEqual(
      calls.map((c) => [c.repo, c.branches]),
      [['app', ['issue-1', 'issue-2']]],
    );
    pending[0]?.resolve();
    await fetcher.settled();
  });

  it('runs one fetch at a time, and fetches what was pushed meanwhile right after', async () => {
    const clock = manualClock();
    const { fetch, calls, pending, turn } = gatedFetch();
    const fetcher = createBackgroundFetch({ fetch, clock, log: capturingLogger().log, debounceMs: 200 });
    fetcher.request(app, 'issue-1');
    clock.advance(200);
    await turn();

    fetcher.request(app, 'issue-3');
    fetcher.request(lib, 'main');
    clock.advance(1000);
    await turn();
    assert.equal(calls.length, 1);
    pending[0]?.resolve();
    await turn();
    await turn();

    assert.deepEqual(
      calls.map((c) => [c.repo, c.branches]),
      [
        ['app', ['issue-1']],
        ['app', ['issue-3']],
      ],
    );
    pending[1]?.resolve();
    await turn();
    await turn();
    assert.deepEqual(calls[2] && [calls[2].repo, calls[2].branches], ['lib', ['main']]);
    pending[2]?.resolve();
    await fetcher.settled();
  });

  it('logs a failed fetch and goes on with the next', async () => {
    const clock = manualClock();
    const { fetch, calls, pending, turn } = gatedFetch();
    const { log, lines } = capturingLogger();
    const fetcher = createBackgroundFetch({ fetch, clock, log, debounceMs: 200 });
    fetcher.request(app, 'issue-1');
    fetcher.request(lib, 'issue-2');
    clock.advance(200);
    await turn();

    pending[0]?.reject(new Error('the forge is away'));
    await turn();
    await turn();
    pending[1]?.resolve();
    await fetcher.settled();

    assert.equal(calls.length, 2);
    assert.ok(lines.some((line) => String(line.msg).startsWith('background fetch after a push failed')));
  });

  it('keeps a bounded number of repositories and branches waiting', async () => {
    const clock = manualClock();
    const { fetch, calls, pending, turn } = gatedFetch();
    const fetcher = createBackgroundFetch({
      fetch,
      clock,
      log: capturingLogger().log,
      maxRepositories: 1,
      maxBranches: 2,
    });

    for (const branch of ['a', 'b', 'c']) fetcher.request(app, branch);
    fetcher.request(lib, 'main');
    clock.advance(200);
    await turn();
    pending[0]?.resolve();
    await fetcher.settled();

    assert.deepEqual(
      calls.map((c) => [c.repo, c.branches]),
      [['app', ['a', 'b']]],
    );
  });

  it('stops the fetch under way and drops what waits when stopped', async () => {
    const clock = manualClock();
    const { fetch, calls, turn } = gatedFetch();
    const fetcher = createBackgroundFetch({ fetch, clock, log: capturingLogger().log });
    fetcher.request(app, 'issue-1');
    clock.advance(200);
    await turn();
    fetcher.request(lib, 'issue-2');

    await fetcher.stop();
    fetcher.request(app, 'issue-9');
    clock.advance(1000);
    await turn();

    assert.equal(calls.length, 1);
    assert.equal(calls[0]?.signal.aborted, true);
  });
});

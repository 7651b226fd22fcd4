import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createKeyedQueue } from './keyed-queue.js';

/** A queue whose runs wait until released, recording each run's key and value. */
function heldQueue(options: { concurrency?: number; maxPending?: number } = {}) {
  const runs: string[] = [];
  const failures: string[] = [];
  const dropped: string[] = [];
  const gates: Array<() => void> = [];
  let failOn: string | undefined;
  const queue = createKeyedQueue<string[]>({
    concurrency: options.concurrency ?? 1,
    maxPending: options.maxPending ?? 100,
    merge: (older, newer) => [...older, ...newer],
    run: async (key, value) => {
      runs.push(`${key}:${value.join(',')}`);
      await new Promise<void>((resolve) => gates.push(resolve));
      if (key === failOn) throw new Error(`${key} failed`);
    },
    failed: (key, _value, error) => failures.push(`${key}: ${(error as Error).message}`),
    dropped: (key) => dropped.push(key),
  });
  const release = async () => {
    while (gates.length > 0) {
      gates.shift()!();
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return { queue, runs, failures, dropped, release, failOn: (key: string) => (failOn = key) };
}

describe('createKeyedQueue', () => {
  it('runs a burst of requests for one waiting key once, with what they asked together', async () => {
    const { queue, runs, release } = heldQueue();
    queue.add('a', ['1']);
    queue.add('b', ['1']);
    queue.add('b', ['2']);
    queue.add('b', ['3']);

    await release();
    await queue.idle();

    assert.deepEqual(runs, ['a:1', 'b:1,2,3']);
  });

  it('runs a key once more after its run when asked during it, never twice at once', async () => {
    const { queue, runs, release } = heldQueue({ concurrency: 2 });
    queue.add('a', ['1']);
    queue.add('a', ['2']);
    queue.add('a', ['3']);

    assert.deepEqual(runs, ['a:1'], 'the first request runs at once, the others wait for it');
    await release();
    await queue.idle();
    assert.deepEqual(runs, ['a:1', 'a:2,3']);
  });

  it('runs at most `concurrency` keys at a time, oldest first', async () => {
    const { queue, runs, release } = heldQueue({ concurrency: 2 });
    for (const key of ['a', 'b', 'c']) queue.add(key, ['1']);

    assert.deepEqual(runs, ['a:1', 'b:1']);
    await release();
    await queue.idle();
    assert.deepEqual(runs, ['a:1', 'b:1', 'c:1']);
  });

  it('drops a new key past `maxPending` waiting keys and says so; a waiting key still takes requests', async () => {
    const { queue, runs, dropped, release } = heldQueue({ maxPending: 2 });
    queue.add('a', ['1']);
    queue.add('b', ['1']);
    queue.add('c', ['1']);
    queue.add('d', ['1']);
    queue.add('c', ['2']);

    await release();
    await queue.idle();

    assert.deepEqual(dropped, ['d']);
    assert.deepEqual(runs, ['a:1', 'b:1', 'c:1,2']);
  });

  it('hands a run that failed to `failed` and goes on', async () => {
    const { queue, runs, failures, release, failOn } = heldQueue();
    failOn('a');
    queue.add('a', ['1']);
    queue.add('b', ['1']);

    await release();
    await queue.idle();

    assert.deepEqual(failures, ['a: a failed']);
    assert.deepEqual(runs, ['a:1', 'b:1']);
    assert.equal(queue.size(), 0);
  });
});

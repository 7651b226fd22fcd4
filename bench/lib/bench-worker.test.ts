/**
 * The workers benchmark's in-process worker (real service on a shared PostgreSQL schema, a job
 * runner in place of worktree and agent): what its latency figure relies on. Skipped, loudly,
 * without CLAUDE_HOOKS_TEST_DATABASE_URL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AgentRunner } from '../../src/queue/ports.js';
import { createSchema, dropSchema, freshSchemaName, postgresSkip, urlInSchema } from '../../test/support/postgres.js';
import { until } from '../../test/support/wait.js';
import { commentDelivery, startBenchWorker, type BenchWorker } from './bench-worker.js';

/** Records which worker was given which comment; a comment saying "hold" keeps its run going until released. */
function recorder(worker: string, given: Map<number, string>, held: Promise<void>): AgentRunner {
  return {
    async run(request) {
      let hold = false;
      for (const { event } of request.events) {
        if (event.type !== 'comment') continue;
        given.set(event.comment.id, worker);
        hold ||= event.comment.body.includes('hold');
      }
      if (hold) await held;
      return { ok: true };
    },
  };
}

async function post(url: string, request: ReturnType<typeof commentDelivery>['request']): Promise<number> {
  const res = await fetch(`${url}${request.path}`, { method: 'POST', headers: request.headers, body: request.body });
  await res.arrayBuffer();
  return res.status;
}

describe('bench worker', { skip: postgresSkip() }, () => {
  const schema = freshSchemaName('benchworker');
  const given = new Map<number, string>();
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const workers: BenchWorker[] = [];

  before(async () => {
    await createSchema(schema);
    workers.push(
      await startBenchWorker({
        name: 'a',
        databaseUrl: urlInSchema(schema),
        concurrency: 1,
        runner: recorder('a', given, held),
      }),
    );
    workers.push(
      await startBenchWorker({
        name: 'b',
        databaseUrl: urlInSchema(schema),
        concurrency: 8,
        runner: recorder('b', given, Promise.resolve()),
      }),
    );
  });

  after(async () => {
    release();
    for (const w of workers.reverse()) await w.close().catch(() => undefined);
    await dropSchema(schema);
  });

  it('accepts a signed comment delivery and hands the comment to a job runner', async () => {
    const { request, commentId } = commentDelivery(1, 'first');

    const status = await post(workers[0]!.service.url, request);

    assert.equal(status, 202);
    await until(() => given.get(commentId), 'the comment to reach a job runner', 10_000);
  });

  it('lets the other worker claim a comment delivered to a worker whose slots are full', async () => {
    const [a, b] = workers as [BenchWorker, BenchWorker];
    // Fill A's one slot with a run that does not end (B's holds end at once).
    let holdingA = false;
    for (let issue = 100; !holdingA && issue < 120; issue++) {
      const hold = commentDelivery(issue, 'hold');
      assert.equal(await post(a.service.url, hold.request), 202);
      const worker = await until(() => given.get(hold.commentId), 'the held comment to be claimed', 10_000);
      holdingA = worker === 'a';
    }
    assert.ok(holdingA, 'worker A never took a held run');

    const samples = [200, 201, 202].map((issue) => commentDelivery(issue, 'sample'));
    for (const s of samples) assert.equal(await post(a.service.url, s.request), 202);

    for (const s of samples)
      assert.equal(await until(() => given.get(s.commentId), `comment ${s.commentId} to be claimed`, 10_000), b.name);
  });
});

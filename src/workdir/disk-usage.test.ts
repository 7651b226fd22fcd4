import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createHarness, type Harness, type Origin } from '../../test/support/workdir/fixture.js';
import type { Lease, Workdirs } from './types.js';

function leased(result: Awaited<ReturnType<Workdirs['acquire']>>): Lease {
  assert.ok(result.ok, `acquire failed: ${JSON.stringify(!result.ok && result.error)}`);
  return result.value;
}

describe('workdirs: disk usage', () => {
  let h: Harness;
  let origin: Origin;
  let workdirs: Workdirs;
  let devLease: Lease;
  let bossLease: Lease;

  before(async () => {
    h = await createHarness();
    origin = h.origin('acme', 'sizes');
    workdirs = h.workdirs();
    devLease = leased(
      await workdirs.acquire({
        repo: origin.repo,
        agent: h.agents.dev,
        target: { kind: 'issue-branch', branch: 'issue-1-big' },
      }),
    );
    writeFileSync(join(devLease.path, 'build-output.bin'), Buffer.alloc(2 * 1024 * 1024, 1));
    await devLease.release();
    bossLease = leased(
      await workdirs.acquire({ repo: origin.repo, agent: h.agents.boss, target: { kind: 'default-branch' } }),
    );
    await bossLease.release();
  });
  after(() => h.close());

  it('measures each cache and worktree, and sums them by agent and by repository', async () => {
    const usage = await workdirs.diskUsage({ maxAgeMs: 0 });

    const repository = `${origin.repo.host}/acme/sizes`;
    const dev = usage.worktrees.find((w) => w.id === devLease.id);
    const boss = usage.worktrees.find((w) => w.id === bossLease.id);
    const cache = usage.caches.find((c) => c.repository === repository);
    assert.ok(dev && boss && cache);
    assert.ok(dev.bytes >= 2 * 1024 * 1024, `dev worktree holds its build output (${dev.bytes})`);
    assert.ok(boss.bytes > 0 && cache.bytes > 0);
    assert.equal(usage.byAgent.dev, dev.bytes);
    assert.equal(usage.byAgent.boss, boss.bytes);
    assert.equal(usage.byRepository[repository], cache.bytes + dev.bytes + boss.bytes);
    assert.ok(usage.freeBytes > 0 && usage.totalBytes >= usage.freeBytes);
  });

  it('stamps a measurement with the time it was taken and serves it until it is too old', async () => {
    const first = await workdirs.diskUsage({ maxAgeMs: 0 });
    h.clock.advance(30_000);

    const cached = await workdirs.diskUsage({ maxAgeMs: 60_000 });
    h.clock.advance(31_000);
    const fresh = await workdirs.diskUsage({ maxAgeMs: 60_000 });

    assert.equal(cached.measuredAt, first.measuredAt);
    assert.equal(fresh.measuredAt, first.measuredAt + 61_000);
  });

  it('shares one measurement between callers asking at the same time', async () => {
    h.clock.advance(120_000);

    const [a, b] = await Promise.all([workdirs.diskUsage({ maxAgeMs: 0 }), workdirs.diskUsage({ maxAgeMs: 0 })]);

    assert.equal(a, b);
  });

  it('counts what removals saved in the attic', async () => {
    const lease = leased(
      await workdirs.acquire({
        repo: origin.repo,
        agent: h.agents.dev,
        target: { kind: 'issue-branch', branch: 'issue-2-attic' },
      }),
    );
    writeFileSync(join(lease.path, 'unsaved.txt'), 'x'.repeat(64 * 1024));
    await lease.release();
    await workdirs.removeWorktree({ id: lease.id });

    const usage = await workdirs.diskUsage({ maxAgeMs: 0 });

    assert.ok(usage.atticBytes > 0);
  });
});

/**
 * One enclosure around a real worktree, without the Claude runtime: commands started through
 * `wrap` see what a run's sandbox sees. The end-to-end attacks with the real runtime are in
 * test/flows/isolation.test.ts.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { silentLogger } from '../lib/logger.js';
import { Secret } from '../lib/secret.js';
import { createHarness, type Harness, type Origin } from '../../test/support/workdir/fixture.js';
import type { Lease } from '../workdir/types.js';
import { createIsolation, type Isolation, type RunEnclosure } from './isolation.js';
import { ownBranchOnly } from './git-proxy.js';

describe("a run's sandbox", () => {
  let h: Harness;
  let origin: Origin;
  let isolation: Isolation;
  let dev: Lease;
  let boss: Lease;
  const enclosures: RunEnclosure[] = [];

  before(async () => {
    h = await createHarness();
    origin = h.origin('acme', 'widget', 3);
    isolation = createIsolation({
      kind: 'bwrap',
      dataDir: h.dataDir,
      env: { PATH: process.env.PATH },
      log: silentLogger(),
    });
    const workdirs = h.workdirs();
    const devLease = await workdirs.acquire({
      repo: origin.repo,
      agent: h.agents.dev,
      target: { kind: 'issue-branch', branch: 'issue-1-sandbox' },
    });
    const bossLease = await workdirs.acquire({
      repo: origin.repo,
      agent: h.agents.boss,
      target: { kind: 'default-branch' },
    });
    assert.ok(devLease.ok && bossLease.ok);
    dev = devLease.value;
    boss = bossLease.value;
  });

  after(async () => {
    for (const enclosure of enclosures) await enclosure.close();
    await isolation.close();
    await dev.release();
    await boss.release();
    await h.close();
  });

  async function enclose(lease: Lease, writable: boolean, scratch = false): Promise<RunEnclosure> {
    const agent = writable ? h.agents.dev : h.agents.boss;
    const configDir = join(h.dataDir, 'claude', 'sessions', writable ? 'dev-1' : 'boss-1');
    mkdirSync(configDir, { recursive: true });
    const enclosure = await isolation.open({
      label: 'test',
      agent,
      model: {
        name: 'claude-sonnet-4-5',
        credential: { kind: 'api-key', secret: new Secret('sk-never-inside') },
        baseUrl: 'http://127.0.0.1:9',
      },
      budgetUsd: 1,
      worktree: { path: lease.path, ...lease.gitDirs, writable, scratch },
      git: { upstream: lease.remoteUrl, push: writable && lease.branch ? ownBranchOnly(lease.branch) : undefined },
      configDir,
    });
    enclosures.push(enclosure);
    return enclosure;
  }

  /** Runs a shell script in the enclosure's sandbox, with the environment a run gets. */
  function inside(
    enclosure: RunEnclosure,
    lease: Lease,
    script: string,
  ): Promise<{ status: number | null; out: string }> {
    const { command, args } = enclosure.wrap('/usr/bin/sh', ['-c', script], {});
    const env = { PATH: '/usr/bin:/bin', ...lease.identity, ...enclosure.env };
    // Asynchronously: the sandbox reaches the service's proxies, which answer in this process.
    return new Promise((resolve) => {
      const child = spawn(command, args, { cwd: lease.path, env });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
      child.on('close', (status) => resolve({ status, out }));
    });
  }

  it('lets dev write its worktree, commit, and push its own branch through the service, holding no credential', async () => {
    const enclosure = await enclose(dev, true);

    const run = await inside(
      enclosure,
      dev,
      'echo work > work.txt && git add work.txt && git commit -qm work && git push -q origin HEAD 2>&1 && env',
    );

    assert.equal(run.status, 0, run.out);
    assert.ok(existsSync(join(dev.path, 'work.txt')));
    assert.equal(
      origin.head('refs/heads/issue-1-sandbox'),
      spawnSync('git', ['rev-parse', 'HEAD'], { cwd: dev.path, encoding: 'utf8' }).stdout.trim(),
    );
    assert.ok(!run.out.includes(h.agents.dev.token.reveal()), 'the forge token is inside');
    assert.ok(!run.out.includes('sk-never-inside'), 'the model key is inside');
  });

  it("keeps the cache's config, the worktree's git pointers and every other worktree out of reach", async () => {
    const enclosure = await enclose(dev, true);
    const common = dev.gitDirs.commonDir;
    const before = readFileSync(join(common, 'config'), 'utf8');

    const run = await inside(
      enclosure,
      dev,
      [
        `echo '[core] fsmonitor = x' >> ${common}/config; echo config=$?`,
        `echo 'gitdir: /tmp' > .git; echo dotgit=$?`,
        `echo '[filter "x"] smudge = x' >> ${dev.gitDirs.adminDir}/config.worktree; echo worktree=$?`,
        `ls ${boss.path} 2>&1; echo boss=$?`,
        `ls ${common}/worktrees`,
        'ls /proc | grep -c "^[0-9]"',
      ].join('; '),
    );

    assert.match(run.out, /config=[1-9]/);
    assert.match(run.out, /dotgit=[1-9]/);
    assert.match(run.out, /worktree=[1-9]/);
    assert.match(run.out, /boss=[1-9]/);
    assert.equal(readFileSync(join(common, 'config'), 'utf8'), before);
    assert.match(readFileSync(join(dev.path, '.git'), 'utf8'), /^gitdir: /);
    const processes = Number(run.out.trim().split('\n').at(-1));
    assert.ok(processes < 8, `${processes} processes visible`);
  });

  it('gives a reader its worktree read-only and no push, but lets git fetch the objects it reads on demand', async () => {
    const enclosure = await enclose(boss, false);
    const later = origin.commit('main', 'later.txt', 'written after the cache was made\n');

    const run = await inside(
      enclosure,
      boss,
      `touch boss-wrote 2>&1; echo touch=$?; git fetch -q --no-write-fetch-head origin ${later} 2>&1; git show --stat --format= ${later} 2>&1; git push origin HEAD:main 2>&1; echo push=$?`,
    );

    assert.match(run.out, /Read-only file system/);
    assert.match(run.out, /later\.txt \| 1 \+/);
    assert.match(run.out, /push=[1-9]/);
    assert.ok(!existsSync(join(boss.path, 'boss-wrote')));
    assert.ok(enclosure.report().blocked.pushes >= 1);
  });

  it('gives a reader that runs tests a throw-away writable copy of its worktree, gone with the run', async () => {
    const enclosure = await enclose(boss, false, true);
    const before = readdirSync(boss.path).sort();

    const run = await inside(
      enclosure,
      boss,
      'touch test-output && f=$(git ls-files | head -1) && echo more >> "$f" && ls test-output && git status --short',
    );
    const scratch = join(h.dataDir, 'sandbox', 'scratch');
    const copies = readdirSync(scratch);
    await enclosure.close();

    assert.equal(run.status, 0, run.out);
    assert.match(run.out, /^test-output$/m);
    assert.match(run.out, /^ M /m);
    assert.deepEqual(readdirSync(boss.path).sort(), before);
    assert.equal(copies.length, 1);
    assert.deepEqual(readdirSync(scratch), []);
  });

  it('writes nothing it binds read-only into being: a missing config.worktree is made before the run', async () => {
    const configWorktree = join(boss.gitDirs.adminDir, 'config.worktree');
    writeFileSync(configWorktree, '');

    await enclose(boss, false);

    assert.ok(existsSync(configWorktree));
  });
});

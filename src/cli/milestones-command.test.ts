import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { ACTIVE, CLOSED, MILESTONE_REPO, PAUSED, seedMilestones } from '../../test/support/milestone-seed.js';
import { systemClock } from '../lib/clock.js';
import type { MilestoneReport } from '../milestones/report.js';
import { openStore } from '../store/open-store.js';
import { runCli } from './run-cli.js';

/**
 * A folder with a configuration, and a data dir holding the seeded milestones but no job (so the
 * story the dashboard's seed runs a job for, #7, is ready here); no service runs.
 */
async function seededFolder(): Promise<string> {
  const cwd = mkdtempSync(join(tmpdir(), 'claude-hooks-milestones-cli-'));
  writeFileSync(join(cwd, 'claude-hooks.yaml'), 'server: { port: 1 }\nmilestones: { maxInFlight: 3 }\n');
  const store = await openStore(
    { kind: 'sqlite' },
    { dataDir: join(cwd, 'data'), clock: systemClock, dedupWindowMs: 0 },
  );
  await seedMilestones(store, 1_000);
  // A title that would move the terminal's cursor and colour what follows, were it printed raw.
  await store.milestones.upsertStory(
    {
      repo: MILESTONE_REPO,
      number: 202,
      tracking: PAUSED,
      title: 'Red \u001b[31malert\u001b[0m',
      state: 'open',
      upstream: [],
    },
    1_000,
  );
  await store.close();
  return cwd;
}

async function cli(cwd: string, args: readonly string[]) {
  let stdout = '';
  let stderr = '';
  const status = await runCli(args, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    env: {},
    cwd,
  });
  return { status, stdout, stderr };
}

describe('claude-hooks milestones', () => {
  let cwd: string;

  before(async () => {
    cwd = await seededFolder();
  });

  it('lists every milestone on one line: done, ready, blocked, in flight, whether it runs', async () => {
    const listed = await cli(cwd, ['milestones']);

    assert.equal(listed.status, 0, listed.stderr);
    const lines = listed.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^MILESTONE\s+DONE\s+READY\s+BLOCKED\s+IN FLIGHT\s+STATE\s+TITLE$/);
    assert.match(lines[1]!, new RegExp(`^acme/widget#${ACTIVE}\\s+1/7\\s+2\\s+3\\s+1\\s+running\\s+Release Crash on`));
    assert.match(lines[2]!, new RegExp(`^acme/widget#${PAUSED}\\s+0/2\\s+2\\s+0\\s+0\\s+paused\\s+Paused work$`));
    assert.match(lines[3]!, new RegExp(`^acme/widget#${CLOSED}\\s+1/1\\s+0\\s+0\\s+0\\s+closed\\s+Old milestone$`));
  });

  it('shows one milestone whole: what starts next, the critical path, each story and what it waits on', async () => {
    const shown = await cli(cwd, ['milestones', `acme/widget#${ACTIVE}`]);

    assert.equal(shown.status, 0, shown.stderr);
    assert.match(shown.stdout, /^state: +running · stacking off · at most 3 in flight$/m);
    assert.match(shown.stdout, /^progress: +1 of 7 done · 1 in flight · 2 ready · 3 blocked$/m);
    assert.match(shown.stdout, /^starts next: +#103, #7$/m);
    assert.match(shown.stdout, /^critical path: +#102 → #104$/m);
    assert.match(shown.stdout, /^#101 +0 +done +Spike +PR #401$/m);
    assert.match(shown.stdout, /^#102 +1 +in flight +Workdir module +PR #402$/m);
    assert.match(shown.stdout, /^#104 +2 +waiting +<img src=x onerror=alert\(1\)> +#102, #103$/m);
    assert.match(shown.stdout, /^#105 +\d +blocked +Story 105 +#105 → #106 → #105 is a cycle/m);
    assert.match(shown.stdout, /^problems:\n {2}- #105 → #106 → #105 is a cycle/m);
  });

  it('prints untrusted titles with their control characters escaped', async () => {
    const shown = await cli(cwd, ['milestones', `acme/widget#${PAUSED}`]);

    assert.equal(shown.status, 0, shown.stderr);
    assert.ok(!shown.stdout.includes('\u001b'), 'no escape character reaches the terminal');
    assert.match(shown.stdout, /Red \\u001b\[31malert\\u001b\[0m/);
    assert.match(shown.stdout, /^starts next: +none: the milestone is paused \(ready: #201, #202\)$/m);
  });

  it('prints JSON with --json, and says why it cannot show a milestone', async () => {
    const json = await cli(cwd, ['milestones', `acme/widget#${ACTIVE}`, '--json']);
    const all = await cli(cwd, ['milestones', '--json']);
    const unknown = await cli(cwd, ['milestones', 'acme/widget#9']);
    const bad = await cli(cwd, ['milestones', 'widget']);

    assert.equal(JSON.parse(json.stdout).tracking, ACTIVE);
    assert.deepEqual(
      (JSON.parse(all.stdout) as MilestoneReport[]).map((v) => v.tracking),
      [ACTIVE, PAUSED, CLOSED],
    );
    assert.deepEqual(
      [unknown.status, unknown.stderr],
      [1, 'no milestone acme/widget#9: the service has not seen that tracking issue\n'],
    );
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /"widget" is not a milestone: name it as OWNER\/NAME#N/);
  });

  it('pauses and resumes a milestone on the data dir when no service holds it, audited as the command line', async () => {
    const paused = await cli(cwd, ['milestones', `acme/widget#${ACTIVE}`, '--pause']);
    const shown = await cli(cwd, ['milestones', `acme/widget#${ACTIVE}`]);
    const resumed = await cli(cwd, ['milestones', `acme/widget#${ACTIVE}`, '--resume']);
    const both = await cli(cwd, ['milestones', `acme/widget#${ACTIVE}`, '--pause', '--resume']);
    const unnamed = await cli(cwd, ['milestones', '--pause']);
    const unknown = await cli(cwd, ['milestones', 'acme/widget#9', '--pause']);

    assert.equal(paused.status, 0, paused.stderr);
    assert.deepEqual(JSON.parse(paused.stdout), {
      milestone: `acme/widget#${ACTIVE}`,
      paused: true,
      note: 'no new story of this milestone starts until it is resumed; the stories in flight finish',
    });
    assert.match(shown.stdout, /^state: +paused · /m);
    assert.match(shown.stdout, /^starts next: +none: the milestone is paused \(ready: #103, #7\)$/m);
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.deepEqual([both.status, unnamed.status], [2, 2]);
    assert.deepEqual(
      [unknown.status, unknown.stderr],
      [1, 'no milestone acme/widget#9: the service has not seen that tracking issue\n'],
    );
    const store = await openStore(
      { kind: 'sqlite' },
      { dataDir: join(cwd, 'data'), clock: systemClock, dedupWindowMs: 0 },
    );
    try {
      assert.equal((await store.milestones.getMilestone(MILESTONE_REPO, ACTIVE))?.paused, false);
      assert.equal(await store.milestones.getMilestone(MILESTONE_REPO, 9), undefined);
      assert.deepEqual(
        (await store.audit.list(3)).map((a) => `${a.action} ${a.status} ${a.source.split(' ')[0]}`),
        ['milestone pause 404 cli', 'milestone resume 200 cli', 'milestone pause 200 cli'],
      );
    } finally {
      await store.close();
    }
  });
});

/**
 * `claude-hooks milestones … --pause` while the service holds the data dir: through its admin API
 * (audited as the API's), and the service's own view and the command line's read agree. A paused
 * milestone starts no new story when its upstream merges; resumed, it starts it at once.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../../src/cli/run-cli.js';
import { systemClock } from '../../src/lib/clock.js';
import type { WorkspaceAgentRunner } from '../../src/agent/workspace-runner.js';
import type { MilestoneReport } from '../../src/milestones/report.js';
import { openStore } from '../../src/store/open-store.js';
import { ADMIN_TOKEN, REPO, WEBHOOK_SECRET, startFlow, type Flow } from '../support/flow.js';
import { ACTIVE, MILESTONE_REPO, seedMilestones } from '../support/milestone-seed.js';

async function cli(flow: Flow, args: readonly string[]) {
  let stdout = '';
  let stderr = '';
  const env: Record<string, string> = {
    FLOW_ADMIN_TOKEN: ADMIN_TOKEN,
    FLOW_WEBHOOK_SECRET: WEBHOOK_SECRET,
    FLOW_MODEL_KEY: 'k',
    PATH: process.env.PATH ?? '',
  };
  for (const name of ['boss', 'dev', 'reviewer']) env[`${name.toUpperCase()}_TOKEN`] = flow.tokens[name] ?? '';
  const status = await runCli([...args, '--config', join(flow.dataDir, 'claude-hooks.yaml')], {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    env,
    cwd: flow.dataDir,
  });
  return { status, stdout, stderr };
}

describe('claude-hooks milestones with the service running', () => {
  it('pauses a milestone through the admin API, and reads the same view as the service', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'claude-hooks-flow-milestones-'));
    const seed = await openStore({ kind: 'sqlite' }, { dataDir, clock: systemClock, dedupWindowMs: 0 });
    await seedMilestones(seed, systemClock.now());
    // Its stories are not on the forge: the driver is to leave the milestone alone.
    await seed.milestones.setOptedIn(MILESTONE_REPO, ACTIVE, false, systemClock.now());
    await seed.close();
    const flow = await startFlow({ dataDir });
    try {
      const paused = await cli(flow, ['milestones', `acme/widget#${ACTIVE}`, '--pause']);
      const read = await cli(flow, ['milestones', `acme/widget#${ACTIVE}`, '--json']);
      const served = await fetch(`${flow.service.url}/api/milestones/acme%2Fwidget/${ACTIVE}`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      const audit = await fetch(`${flow.service.url}/api/audit?limit=1`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });

      assert.equal(paused.status, 0, paused.stderr);
      assert.match(paused.stderr, /the service \(pid \d+\) holds .* so this goes through its admin API/);
      assert.equal((JSON.parse(paused.stdout) as { paused: boolean }).paused, true);
      const view = JSON.parse(read.stdout) as MilestoneReport;
      assert.deepEqual([view.repo, view.paused, view.next], [MILESTONE_REPO, true, []]);
      assert.deepEqual(((await served.json()) as { milestone: MilestoneReport }).milestone, view);
      const [entry] = ((await audit.json()) as { audit: Array<{ action: string; status: number; source: string }> })
        .audit;
      assert.deepEqual([entry?.action, entry?.status, entry?.source.split(' ')[0]], ['milestone pause', 200, 'api']);
    } finally {
      await flow.close();
    }
  });
});

/**
 * The `ready` events of `issue` the service recorded: those not routed yet, then those of its jobs
 * (routing turns an event into a job in one commit, so reading in this order misses none).
 */
async function readyEventsFor(flow: Flow, issue: number): Promise<number> {
  const { jobs } = flow.service.store;
  const waiting = await jobs.undispatchedEvents(1000);
  const routed = await jobs.getEvents((await jobs.listJobs({ limit: 1000 })).flatMap((job) => job.eventIds));
  const ids = new Set(
    [...waiting, ...routed]
      .filter(({ event }) => event.type === 'issue' && event.action === 'ready' && event.issue.number === issue)
      .map((stored) => stored.id),
  );
  return ids.size;
}

describe('pausing a milestone', { timeout: 300_000 }, () => {
  it('starts no new story while paused, lets the one in flight finish, and starts it at once when resumed', async () => {
    const handed: number[] = [];
    const runner: WorkspaceAgentRunner = {
      async run(request) {
        if (
          request.agent.name === 'dev' &&
          request.events.some(({ event }) => 'action' in event && event.action === 'ready')
        )
          handed.push(request.key.issue);
        return { ok: true };
      },
    };
    const flow = await startFlow({ runner, milestones: 'maxInFlight: 2' });
    try {
      const label = await fetch(`${flow.forge.apiUrl}/repos/${REPO}/labels`, {
        method: 'POST',
        headers: { authorization: `token ${flow.tokens.alice}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'milestone', color: '#00aabb' }),
      });
      assert.equal(label.status, 201);
      const alice = flow.forge.as('alice');
      const footer = (upstream: string) => `## Dependencies\nTracking: #1\n${upstream}`;
      await alice.openIssue(REPO, { title: 'Login rework', body: '' });
      await alice.addLabels(REPO, 1, ['milestone']);
      await flow.settle();
      await alice.openIssue(REPO, { title: 'A spike', body: footer('- none') });
      await alice.openIssue(REPO, { title: 'B workdir', body: footer('- #2') });
      await flow.settle();
      assert.deepEqual(handed, [2]);

      const paused = await cli(flow, ['milestones', 'acme/widget#1', '--pause']);
      const dev = flow.forge.as('dev');
      await dev.pushCommit(REPO, { branch: 'issue-2-spike', files: { 'a.md': 'done\n' }, message: 'A' });
      const pull = await dev.openPull(REPO, { head: 'issue-2-spike', title: 'A', body: 'Closes #2' });
      await flow.settle();
      await alice.mergePull(REPO, pull.number);
      await flow.settle();
      const whilePaused = JSON.parse(
        (await cli(flow, ['milestones', 'acme/widget#1', '--json'])).stdout,
      ) as MilestoneReport;
      const handedWhilePaused = [...handed];
      const resumed = await cli(flow, ['milestones', 'acme/widget#1', '--resume']);
      // No poll, no forge event: only the resume itself can start B now.
      await flow.service.milestones?.idle();
      const readyAfterResume = await readyEventsFor(flow, 3);
      await flow.settle();

      assert.equal(paused.status, 0, paused.stderr);
      assert.equal(resumed.status, 0, resumed.stderr);
      assert.deepEqual(handedWhilePaused, [2], 'B was not started while the milestone was paused');
      assert.deepEqual([whilePaused.paused, whilePaused.ready.map((r) => r.number), whilePaused.next], [true, [3], []]);
      assert.equal(readyAfterResume, 1, 'B was handed out once the milestone was resumed, with no other event');
      assert.deepEqual(handed, [2, 3]);
    } finally {
      await flow.close();
    }
  });
});

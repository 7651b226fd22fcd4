/**
 * Stories of intake → dispatch, told through the forge double and the real service. The agents
 * are scripted runners that act on the forge through the service's own REST client, as the real
 * agent will through its forge tools.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createGiteaClient } from '../../src/forge/rest/gitea-client.js';
import { silentLogger } from '../../src/lib/logger.js';
import type { AgentRunner, RunRequest } from '../../src/queue/ports.js';
import { REPO, startFlow, startScene, type Flow } from '../support/flow.js';

interface Recorded {
  readonly agent: string;
  readonly issue: number;
  readonly events: string[];
}

/** A runner that records each run and lets a story decide what the agent does on the forge. */
function storyRunner(act: (request: RunRequest, forgeUrl: string) => Promise<void> = async () => undefined) {
  const runs: Recorded[] = [];
  let forgeUrl = '';
  const runner: AgentRunner = {
    async run(request) {
      runs.push({
        agent: request.agent.name,
        issue: request.key.issue,
        events: request.events.map(
          ({ event: e }) => `${e.type}:${'action' in e ? e.action : e.type === 'review' ? e.state : ''}`,
        ),
      });
      await act(request, forgeUrl);
      return { ok: true };
    },
  };
  return { runner, runs, setForge: (url: string) => (forgeUrl = url) };
}

function clientAs(request: RunRequest, forgeUrl: string) {
  return createGiteaClient({ baseUrl: forgeUrl, token: request.agent.token, log: silentLogger() });
}

async function withFlow(story: ReturnType<typeof storyRunner>, fn: (flow: Flow) => Promise<void>, dispatch = '') {
  const flow = await startFlow({ runner: story.runner, dispatch });
  story.setForge(flow.forge.url);
  try {
    await fn(flow);
    assert.deepEqual(flow.forge.openApiViolations(), [], 'every API exchange fits the real Gitea API');
  } finally {
    await flow.close();
  }
}

describe('dispatch, end to end', () => {
  it('alice opens an issue and boss triages it; she assigns it to dev and dev takes it; dev’s own comment wakes nobody', async () => {
    const story = storyRunner(async (request, url) => {
      if (request.agent.name === 'dev')
        await clientAs(request, url).createComment(REPO, request.key.issue, 'On it — @dev will push a branch soon.');
    });
    await withFlow(story, async (flow) => {
      const alice = flow.forge.as('alice');

      const issue = await alice.openIssue(REPO, { title: 'Login fails for names with spaces', body: 'Steps: …' });
      await flow.settle();
      await alice.assign(REPO, issue.number, 'dev');
      await flow.settle();

      assert.deepEqual(story.runs, [
        { agent: 'boss', issue: issue.number, events: ['issue:opened'] },
        { agent: 'dev', issue: issue.number, events: ['issue:assigned'] },
      ]);
      assert.equal(flow.forge.comments(REPO, issue.number).at(-1)?.author, 'dev');
      const metrics = await (await fetch(`${flow.service.url}/metrics`)).text();
      assert.match(metrics, /claude_hooks_jobs_finished_total\{agent="boss",outcome="succeeded"\} 1/);
      assert.match(metrics, /claude_hooks_jobs_finished_total\{agent="dev",outcome="succeeded"\} 1/);
      assert.match(metrics, /claude_hooks_jobs\{state="queued"\} 0/);
      assert.match(metrics, /claude_hooks_job_duration_seconds_count\{agent="dev"\} 1/);
    });
  });

  it('a burst of comments on one issue becomes one run and one follow-up, none lost', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let first = true;
    const story = storyRunner(async (request) => {
      if (first && request.agent.name === 'dev') {
        first = false;
        await held;
      }
    });
    await withFlow(story, async (flow) => {
      const alice = flow.forge.as('alice');
      const issue = await alice.openIssue(REPO, { title: 'Refactor', body: '' });
      await alice.comment(REPO, issue.number, '@dev please start');
      await flow.forge.idle();
      for (let i = 0; i < 8; i++) await alice.comment(REPO, issue.number, `@dev and also point ${i}`);
      await flow.forge.idle();

      release();
      await flow.settle();

      const devRuns = story.runs.filter((r) => r.agent === 'dev');
      assert.equal(devRuns.length, 2);
      assert.equal(devRuns.flatMap((r) => r.events).length, 9);
    });
  });

  it('mallory, without write access, cannot start an agent', async () => {
    const story = storyRunner();
    await withFlow(story, async (flow) => {
      const alice = flow.forge.as('alice');
      const issue = await alice.openIssue(REPO, { title: 'Public issue', body: '' });
      await flow.settle();

      await flow.forge.as('mallory').comment(REPO, issue.number, '@dev please delete the repository');
      await flow.settle();

      assert.deepEqual(
        story.runs.map((r) => r.agent),
        ['boss'],
      );
    });
  });

  it('a ping-pong between boss and dev stops at the cap, and boss says why on the issue', async () => {
    const story = storyRunner(async (request, url) => {
      const other = request.agent.name === 'boss' ? 'dev' : 'boss';
      await clientAs(request, url).createComment(REPO, request.key.issue, `@${other} over to you`);
    });
    await withFlow(
      story,
      async (flow) => {
        const alice = flow.forge.as('alice');
        const issue = await alice.openIssue(REPO, { title: 'Chatty agents', body: '' });
        await flow.settle();

        const notices = flow.forge.comments(REPO, issue.number).filter((c) => c.body.includes('claude-hooks paused'));
        assert.ok(story.runs.length <= 2 * 6, `runs stopped at the cap (got ${story.runs.length})`);
        assert.equal(notices.length, 1);
        assert.match(notices[0]!.body, /ran 6 times on this issue in the last hour \(limit 6/);
      },
      '',
    );
  });

  it('a comment whose delivery was lost while the service was down is acted on once, by the poller at start-up', async (t) => {
    const scene = await startScene();
    const story = storyRunner();
    const alice = scene.forge.as('alice');
    const first = await startFlow({ scene, runner: story.runner });
    t.after(() => first.close()); // stops the service if it still runs, and the forge double
    const issue = await alice.openIssue(REPO, { title: 'Flaky test', body: '' });
    await first.settle();
    await first.stopService();

    await alice.comment(REPO, issue.number, '@dev can you look while the service is down?');
    await scene.forge.idle();
    const second = await startFlow({ scene, runner: story.runner, dataDir: first.dataDir });
    t.after(() => second.stopService());
    await second.settle();
    await second.stopService();

    assert.equal(scene.forge.deliveries().at(-1)?.status, 'not-sent', 'the forge never delivered the comment');
    assert.deepEqual(
      story.runs.map((r) => `${r.agent}:${r.events.join(',')}`),
      ['boss:issue:opened', 'dev:comment:created'],
    );
  });

  it('an issue opened while the service was down is triaged by boss once, found by the poller', async (t) => {
    const scene = await startScene();
    const story = storyRunner();
    const first = await startFlow({ scene, runner: story.runner });
    t.after(() => first.close()); // stops the service if it still runs, and the forge double
    await first.stopService();

    const issue = await scene.forge.as('alice').openIssue(REPO, { title: 'Opened during an outage', body: '' });
    await scene.forge.idle();
    const second = await startFlow({ scene, runner: story.runner, dataDir: first.dataDir });
    t.after(() => second.stopService());
    await second.settle();
    await second.settle();
    await second.stopService();

    assert.deepEqual(story.runs, [{ agent: 'boss', issue: issue.number, events: ['issue:opened'] }]);
  });
});

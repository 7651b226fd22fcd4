/**
 * The reconciliation poller, end to end: the service runs with the forge's webhooks not reaching
 * it, a person changes something on the forge, and the poller finds the change through the REST
 * API (issues, timelines, reviews) and the right agent acts on it once. A "Replay" of the lost
 * delivery afterwards is recognised as the same change.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { AgentRunner } from '../../src/queue/ports.js';
import { REPO, startFlow, type Flow } from '../support/flow.js';
import type { WebhookDelivery } from '../support/forge/forge-double.js';

interface Run {
  readonly agent: string;
  readonly events: string[];
}

function recordingRunner(): { runner: AgentRunner; runs: Run[] } {
  const runs: Run[] = [];
  const runner: AgentRunner = {
    async run(request) {
      runs.push({
        agent: request.agent.name,
        events: request.events.map(
          ({ event: e }) => `${e.type}:${'action' in e ? e.action : e.type === 'review' ? e.state : ''}`,
        ),
      });
      return { ok: true };
    },
  };
  return { runner, runs };
}

/** What "Replay" in the forge UI does: the same body and signature under a new delivery id. */
async function replay(
  flow: Flow,
  delivery: WebhookDelivery,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const id = randomUUID();
  const headers = Object.fromEntries(
    Object.entries(delivery.headers).map(([name, value]) => [name, name.endsWith('-delivery') ? id : value]),
  );
  const response = await fetch(`${flow.service.url}/webhook`, { method: 'POST', headers, body: delivery.body });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

interface Story {
  readonly name: string;
  /** Changes the forge; returns the delivery of the change the agent should act on. */
  act(flow: Flow): Promise<WebhookDelivery | undefined>;
  readonly agent: string;
  readonly expected: string;
}

const lastOf = (flow: Flow, eventType: string, action?: string): WebhookDelivery | undefined =>
  flow.forge
    .deliveries()
    .findLast((d) => d.eventType === eventType && (action === undefined || d.payload.action === action));

const stories: Story[] = [
  {
    name: 'an issue assigned to dev',
    agent: 'dev',
    expected: 'issue:assigned',
    async act(flow) {
      const alice = flow.forge.as('alice');
      const issue = await alice.openIssue(REPO, { title: 'Assigned during an outage', body: '' });
      await alice.assign(REPO, issue.number, 'dev');
      return lastOf(flow, 'issue_assign');
    },
  },
  {
    name: 'a label for dev added to an issue',
    agent: 'dev',
    expected: 'issue:labelled',
    async act(flow) {
      const alice = flow.forge.as('alice');
      const issue = await alice.openIssue(REPO, { title: 'Labelled during an outage', body: '' });
      await alice.addLabels(REPO, issue.number, ['bug', 'agent/dev']);
      return lastOf(flow, 'issue_label');
    },
  },
  {
    name: 'a review requested from reviewer',
    agent: 'reviewer',
    expected: 'pull_request:review_requested',
    async act(flow) {
      const alice = flow.forge.as('alice');
      await alice.pushCommit(REPO, { branch: 'tidy-readme', files: { 'README.md': '# widget, tidied\n' } });
      const pull = await alice.openPull(REPO, { head: 'tidy-readme', title: 'Tidy the README', body: '' });
      await alice.requestReview(REPO, pull.number, 'reviewer');
      return lastOf(flow, 'pull_request_review_request');
    },
  },
  {
    name: 'a review asking dev for changes on dev’s PR',
    agent: 'dev',
    expected: 'review:changes_requested',
    async act(flow) {
      const issue = await flow.forge.as('alice').openIssue(REPO, { title: 'Names with spaces', body: '' });
      const dev = flow.forge.as('dev');
      await dev.pushCommit(REPO, {
        branch: `issue-${issue.number}-names-with-spaces`,
        files: { 'src/login.js': 'export const login = (u) => u.name.trim();\n' },
      });
      const pull = await dev.openPull(REPO, {
        head: `issue-${issue.number}-names-with-spaces`,
        title: 'Trim names',
        body: `Closes #${issue.number}`,
      });
      await flow.forge
        .as('alice')
        .submitReview(REPO, pull.number, { event: 'REQUEST_CHANGES', body: 'Please add a test' });
      return lastOf(flow, 'pull_request_review_rejected');
    },
  },
  {
    name: 'a PR opened asking for reviewer',
    agent: 'reviewer',
    expected: 'pull_request:opened',
    async act(flow) {
      const alice = flow.forge.as('alice');
      await alice.pushCommit(REPO, {
        branch: 'faster-login',
        files: { 'src/login.js': 'export const login = (u) => u.name;\n' },
      });
      await alice.openPull(REPO, { head: 'faster-login', title: 'Faster login', body: '@reviewer please have a look' });
      return lastOf(flow, 'pull_request', 'opened');
    },
  },
];

describe('reconciliation poller, end to end', () => {
  for (const story of stories) {
    it(`acts once on ${story.name} whose delivery was lost, and takes a later replay of it for a duplicate`, async () => {
      const { runner, runs } = recordingRunner();
      const flow = await startFlow({ runner, detached: true });
      try {
        const lost = await story.act(flow);
        await flow.forge.idle();
        await flow.settle();
        await flow.settle();
        const runsOf = () => runs.filter((r) => r.agent === story.agent).map((r) => r.events.join(','));

        assert.equal(lost?.status, 'not-sent', 'the forge never delivered the change');
        assert.deepEqual(runsOf(), [story.expected]);

        const replayed = await replay(flow, lost);
        await flow.settle();

        assert.equal(replayed.status, 200);
        assert.equal(replayed.body.duplicate, true, `the replay is a duplicate: ${JSON.stringify(replayed.body)}`);
        assert.match(String(replayed.body.sameEventAs), /^poll:/);
        assert.deepEqual(runsOf(), [story.expected]);
        assert.deepEqual(flow.forge.openApiViolations(), [], 'every API exchange fits the real Gitea API');
      } finally {
        await flow.close();
      }
    });
  }

  it('records none of these changes again when their webhooks did arrive: the poller’s events have the webhook’s fingerprints', async () => {
    const { runner, runs } = recordingRunner();
    const flow = await startFlow({ runner });
    try {
      for (const story of stories) {
        await story.act(flow);
        await flow.forge.idle();
        await flow.settle();
      }
      await flow.settle();

      const recovered = (await flow.service.store.deliveryHistory.recent(1000)).filter(
        (d) => d.source === 'poll' && d.outcome === 'accepted',
      );
      assert.deepEqual(recovered, [], 'the poller found nothing the webhooks had not brought');
      for (const agent of ['dev', 'reviewer']) {
        const expected = stories.filter((story) => story.agent === agent).map((story) => story.expected);
        const got = runs.filter((r) => r.agent === agent).flatMap((r) => r.events);
        assert.deepEqual(got.sort(), expected.sort(), `${agent} acted once on each change`);
      }
    } finally {
      await flow.close();
    }
  });

  it('does not take a PR pushed to after its opening was delivered for a new opening', async () => {
    const { runner, runs } = recordingRunner();
    const flow = await startFlow({ runner });
    try {
      const alice = flow.forge.as('alice');
      await alice.pushCommit(REPO, { branch: 'moving-head', files: { 'a.txt': 'a\n' } });
      await alice.openPull(REPO, { head: 'moving-head', title: 'Moving head', body: '@reviewer please have a look' });
      await flow.forge.idle();
      await alice.pushCommit(REPO, { branch: 'moving-head', files: { 'b.txt': 'b\n' } });
      await flow.forge.idle();
      await flow.settle();

      const recovered = (await flow.service.store.deliveryHistory.recent(1000)).filter(
        (d) => d.source === 'poll' && d.outcome === 'accepted',
      );
      assert.deepEqual(recovered, []);
      assert.deepEqual(
        runs.filter((r) => r.agent === 'reviewer').flatMap((r) => r.events),
        ['pull_request:opened'],
      );
    } finally {
      await flow.close();
    }
  });
});

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import type { ForgeEvent, ForgeEventType } from '../../core/events.js';
import { normalise } from './normalise.js';

type Example = Record<string, unknown> & { action?: string };
interface Definition {
  readonly name: string;
  readonly examples: readonly Example[];
}

const require = createRequire(import.meta.url);
const EDITIONS = ['api.github.com', 'ghes-31', 'ghes-32', 'ghes-33', 'ghes-34', 'ghes-35'];
const definitions: { edition: string; definition: Definition }[] = EDITIONS.flatMap((edition) =>
  (require(`@octokit/webhooks-examples/${edition}/index.json`) as Definition[]).map((definition) => ({
    edition,
    definition,
  })),
);

/** For each GitHub event the service reads: the actions that make an event, and its type. */
const HANDLED: Record<string, { type: ForgeEventType | undefined; actions: readonly string[] | 'all' }> = {
  issues: {
    type: 'issue',
    actions: ['opened', 'edited', 'closed', 'reopened', 'deleted', 'assigned', 'unassigned', 'labeled', 'unlabeled'],
  },
  issue_comment: { type: 'comment', actions: ['created', 'edited'] },
  pull_request: {
    type: 'pull_request',
    actions: [
      'opened',
      'edited',
      'closed',
      'reopened',
      'synchronize',
      'review_requested',
      'review_request_removed',
      'assigned',
      'unassigned',
      'labeled',
      'unlabeled',
    ],
  },
  pull_request_review: { type: 'review', actions: ['submitted'] },
  delete: { type: 'ref_deleted', actions: 'all' },
  push: { type: 'push', actions: 'all' },
  repository: { type: 'repository', actions: ['deleted'] },
  status: { type: 'check', actions: 'all' },
  workflow_run: { type: 'check', actions: ['requested', 'in_progress', 'completed'] },
  workflow_job: { type: 'check', actions: ['queued', 'waiting', 'in_progress', 'completed'] },
  ping: { type: undefined, actions: [] },
};

function examplesOf(name: string): { label: string; example: Example }[] {
  return definitions
    .filter(({ definition }) => definition.name === name)
    .flatMap(({ edition, definition }) =>
      definition.examples.map((example, index) => ({
        label: `${edition} ${name}[${index}] ${example.action ?? ''}`,
        example,
      })),
    );
}

/**
 * Some `workflow_job` examples put `Codertocat/Hello-World` under the owner `Octocoders`: a payload
 * naming two repositories, which `toRepo` refuses (docs/decisions.md §10).
 */
function namesTwoRepositories(example: Example): boolean {
  const repository = example.repository as { full_name: string; name: string; owner: { login: string } } | undefined;
  return repository !== undefined && repository.full_name !== `${repository.owner.login}/${repository.name}`;
}

function eventOf(eventType: string, example: Example): ForgeEvent {
  const result = normalise({ forge: 'github', eventType, body: example });
  assert.ok(result.ok && result.value.kind === 'event', JSON.stringify(result));
  return result.value.event;
}

describe('normalise, on the GitHub examples of @octokit/webhooks-examples', () => {
  for (const [name, { type, actions }] of Object.entries(HANDLED)) {
    it(`reads every '${name}' example as ${type === undefined ? 'ignored' : `'${type}' events or deliberate ignores`}`, () => {
      const examples = examplesOf(name);

      assert.ok(examples.length > 0, `the package has no '${name}' examples`);
      for (const { label, example } of examples) {
        const result = normalise({ forge: 'github', eventType: name, body: example });
        const handled = actions === 'all' || actions.includes(example.action ?? '');

        if (handled && namesTwoRepositories(example)) {
          assert.equal(!result.ok && result.error.field, 'repository.full_name', label);
          continue;
        }
        assert.ok(result.ok, `${label}: ${JSON.stringify(result)}`);
        if (!handled) {
          assert.equal(result.value.kind, 'ignored', label);
          continue;
        }
        assert.ok(result.value.kind === 'event', `${label}: ${JSON.stringify(result.value)}`);
        const { event } = result.value;
        const repository = example.repository as { full_name: string; html_url: string };
        const sender = example.sender as { login: string };
        assert.equal(event.type, type, label);
        assert.equal(event.forge, 'github', label);
        assert.equal(event.repo.host, new URL(repository.html_url).host, label);
        assert.equal(event.repo.fullName, repository.full_name, label);
        assert.equal(event.actor.login, sender.login, label);
      }
    });
  }

  it('names github.com as the host of api.github.com examples, and the enterprise host of the others', () => {
    const hosts = new Set(
      ['api.github.com', 'ghes-35'].map((edition) => {
        const [first] = examplesOf('push').filter(({ label }) => label.startsWith(`${edition} `));
        assert.ok(first !== undefined);
        return eventOf('push', first.example).repo.host;
      }),
    );

    assert.deepEqual([...hosts], ['github.com', 'octocoders.github.io']);
  });

  it('ignores a ping with a reason of its own', () => {
    const [ping] = examplesOf('ping');
    assert.ok(ping !== undefined);

    const result = normalise({ forge: 'github', eventType: 'ping', body: ping.example });

    assert.deepEqual(result, {
      ok: true,
      value: {
        kind: 'ignored',
        reason: 'ping: the forge is checking that the webhook reaches this service; nothing to do',
      },
    });
  });

  it('ignores events the service does not act on, naming them', () => {
    const names = ['check_run', 'check_suite', 'create', 'release', 'pull_request_review_comment', 'deployment_status'];

    for (const name of names) {
      const [first] = examplesOf(name);
      const result = normalise({ forge: 'github', eventType: name, body: first?.example ?? {} });

      assert.deepEqual(
        result,
        { ok: true, value: { kind: 'ignored', reason: `event type '${name}' is not handled` } },
        name,
      );
    }
  });

  it("maps 'synchronize' to 'synchronized' and labels to 'labelled'", () => {
    const synchronize = examplesOf('pull_request').find(({ example }) => example.action === 'synchronize');
    const labeled = examplesOf('issues').find(({ example }) => example.action === 'labeled');
    assert.ok(synchronize !== undefined && labeled !== undefined);

    const pull = eventOf('pull_request', synchronize.example);
    const issue = eventOf('issues', labeled.example);

    assert.ok(pull.type === 'pull_request' && issue.type === 'issue');
    assert.equal(pull.action, 'synchronized');
    assert.equal(pull.pull.headSha, (synchronize.example.pull_request as { head: { sha: string } }).head.sha);
    assert.equal(issue.action, 'labelled');
    assert.deepEqual(issue.issue.labels, ['bug']);
  });

  it('names the login of an assignment and of a review request', () => {
    const assigned = examplesOf('issues').find(({ example }) => example.action === 'assigned');
    const requested = examplesOf('pull_request').find(({ example }) => example.action === 'review_requested');
    assert.ok(assigned !== undefined && requested !== undefined);

    const issue = eventOf('issues', assigned.example);
    const pull = eventOf('pull_request', requested.example);

    assert.ok(issue.type === 'issue' && pull.type === 'pull_request');
    assert.equal(issue.assignee, (assigned.example.assignee as { login: string }).login);
    assert.equal(pull.requestedReviewer, (requested.example.requested_reviewer as { login: string }).login);
  });

  it('ignores a review request for a team: agents are users', () => {
    const requested = examplesOf('pull_request').find(({ example }) => example.action === 'review_requested');
    assert.ok(requested !== undefined);
    const body = { ...requested.example, requested_reviewer: undefined, requested_team: { slug: 'justice-league' } };

    const result = normalise({ forge: 'github', eventType: 'pull_request', body });

    assert.deepEqual(result, {
      ok: true,
      value: { kind: 'ignored', reason: "review_requested for team 'justice-league' is not handled: only users are" },
    });
  });

  it("reads a submitted review's id, text, state and reviewer", () => {
    const submitted = examplesOf('pull_request_review').find(({ example }) => example.action === 'submitted');
    assert.ok(submitted !== undefined);
    const review = submitted.example.review as { id: number; body: string | null; user: { login: string; id: number } };
    const states = [
      { state: 'approved', expected: 'approved' },
      { state: 'changes_requested', expected: 'changes_requested' },
      { state: 'commented', expected: 'comment' },
      { state: 'APPROVED', expected: 'approved' },
    ];

    for (const { state, expected } of states) {
      const event = eventOf('pull_request_review', { ...submitted.example, review: { ...review, state } });

      assert.ok(event.type === 'review');
      assert.equal(event.state, expected, state);
      assert.deepEqual(event.review, {
        id: review.id,
        body: review.body ?? '',
        author: { login: review.user.login, id: review.user.id },
      });
    }
  });

  it('ignores a dismissed review', () => {
    const submitted = examplesOf('pull_request_review').find(({ example }) => example.action === 'submitted');
    assert.ok(submitted !== undefined);
    const body = { ...submitted.example, review: { ...(submitted.example.review as object), state: 'dismissed' } };

    const result = normalise({ forge: 'github', eventType: 'pull_request_review', body });

    assert.deepEqual(result, {
      ok: true,
      value: { kind: 'ignored', reason: "review in state 'dismissed' is not handled" },
    });
  });

  it('reads a comment on a PR as on a PR, from issue.pull_request', () => {
    const created = examplesOf('issue_comment').find(({ example }) => example.action === 'created');
    assert.ok(created !== undefined);
    const issue = {
      ...(created.example.issue as object),
      pull_request: { url: 'https://api.github.com/repos/o/r/pulls/1' },
    };

    const event = eventOf('issue_comment', { ...created.example, issue });

    assert.ok(event.type === 'comment');
    assert.equal(event.issue.isPull, true);
    assert.equal(event.pull, undefined);
  });
});

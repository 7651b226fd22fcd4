/**
 * A milestone that runs itself (docs/milestones.md): the real service and the forge double, a
 * tracking issue opted in by its label and four stories whose footers make a diamond — A, B←A,
 * C←A, D←B,C. The service hands each story to dev when its upstream stories are done, keeps the
 * tracking issue's block true (edited only when its text changes), says a cycle once, follows a
 * person's edit of a footer, and across a restart loses nothing and starts nothing twice. dev is a
 * runner that records what it was asked; the pull requests are opened and merged by the test.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { WorkspaceAgentRunner } from '../../src/agent/workspace-runner.js';
import { REPO, startFlow, type Flow } from '../support/flow.js';

interface Asked {
  readonly agent: string;
  readonly issue: number;
  readonly actions: readonly string[];
}

/** Records every run; dev's work is done by the test. */
function recorder(asked: Asked[]): WorkspaceAgentRunner {
  return {
    async run(request) {
      asked.push({
        agent: request.agent.name,
        issue: request.key.issue,
        actions: request.events.map(({ event }) => ('action' in event ? event.action : event.type)),
      });
      return { ok: true };
    },
  };
}

const footer = (upstream: readonly number[]) =>
  ['## Dependencies', 'Tracking: #1', ...(upstream.length === 0 ? ['- none'] : upstream.map((n) => `- #${n}`))].join(
    '\n',
  );

/** The stories dev was handed by the milestone, in order. */
const handed = (asked: readonly Asked[]) =>
  asked.filter((a) => a.agent === 'dev' && a.actions.includes('ready')).map((a) => a.issue);

/**
 * The same, with B and C — equals on the critical path, handed out together once A merges — in
 * number order: which of dev's two jobs starts first is the dispatcher's, not the milestone's.
 */
const handedOut = (asked: readonly Asked[]) => {
  const all = handed(asked);
  return [...all.slice(0, 1), ...all.slice(1, 3).sort((a, b) => a - b), ...all.slice(3)];
};

/** The milestone block of the tracking issue, as the forge has it. */
function block(flow: Flow): string {
  const body = flow.forge.issue(REPO, 1)?.body ?? '';
  return body.slice(body.indexOf('<!-- claude-hooks:milestone -->'));
}

const edits = (flow: Flow) =>
  flow.forge.requests().filter((r) => r.method === 'PATCH' && r.path === `/api/v1/repos/${REPO}/issues/1`).length;

const problemComments = (flow: Flow) =>
  flow.forge.comments(REPO, 1).filter((c) => c.body.startsWith('claude-hooks found'));

async function createLabel(flow: Flow, name: string): Promise<void> {
  const response = await fetch(`${flow.forge.apiUrl}/repos/${REPO}/labels`, {
    method: 'POST',
    headers: { authorization: `token ${flow.tokens.alice}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name, color: '#00aabb' }),
  });
  assert.equal(response.status, 201);
}

/** dev pushes story `n`'s branch and opens its pull request. */
async function openPull(flow: Flow, n: number): Promise<number> {
  const dev = flow.forge.as('dev');
  const branch = `issue-${n}-work`;
  await dev.pushCommit(REPO, { branch, files: { [`story-${n}.md`]: 'done\n' }, message: `Story ${n}` });
  return (await dev.openPull(REPO, { head: branch, title: `Story ${n}`, body: `Closes #${n}` })).number;
}

describe('a milestone that runs itself', { timeout: 300_000 }, () => {
  const asked: Asked[] = [];
  let flow: Flow;
  let restarted: Flow | undefined;
  const pulls = new Map<number, number>();

  before(async () => {
    flow = await startFlow({ runner: recorder(asked), milestones: 'maxInFlight: 2' });
    await createLabel(flow, 'milestone');
    const alice = flow.forge.as('alice');
    await alice.openIssue(REPO, { title: 'Login rework', body: 'What we are doing and why.' });
    await alice.addLabels(REPO, 1, ['milestone']);
    await flow.settle();
    await alice.openIssue(REPO, { title: 'A spike', body: `Try it.\n\n${footer([])}` });
    await alice.openIssue(REPO, { title: 'B workdir', body: footer([2]) });
    await alice.openIssue(REPO, { title: 'C intake', body: footer([2]) });
    await alice.openIssue(REPO, { title: 'D dispatcher', body: footer([3, 4]) });
    await flow.settle();
  });

  after(async () => {
    await restarted?.stopService();
    await flow?.close();
  });

  it('hands only A to dev: B and C wait for it, D for them', () => {
    assert.deepEqual(handed(asked), [2]);
    assert.match(block(flow), /- #2 A spike ← next up/);
    assert.match(block(flow), /- #3 B workdir <-- #2\n- #4 C intake <-- #2/);
    assert.match(block(flow), /- #5 D dispatcher <-- #3, #4/);
    assert.ok(flow.forge.issue(REPO, 1)?.body.startsWith('What we are doing and why.\n\n'), 'what alice wrote is kept');
  });

  it('hands B and C to dev once A’s pull request merges; D still waits', async () => {
    pulls.set(2, await openPull(flow, 2));
    await flow.settle();
    assert.match(block(flow), new RegExp(`- #2 A spike — in progress, PR #${pulls.get(2)}`));

    await flow.forge.as('alice').mergePull(REPO, pulls.get(2)!);
    await flow.settle();

    assert.deepEqual(handedOut(asked), [2, 3, 4]);
    assert.match(block(flow), new RegExp(`- #2 A spike ✅ PR #${pulls.get(2)}`));
    assert.match(block(flow), /- #5 D dispatcher <-- #3, #4/);
    assert.match(block(flow), /\*\*Progress:\*\* 1 of 4 stories done/);
  });

  it('edits the tracking issue only when its block’s text changes', async () => {
    const before = edits(flow);

    await flow.forge.as('alice').comment(REPO, 3, 'Looks right.');
    await flow.forge.as('alice').editIssue(REPO, 3, { body: `Notes on B.\n\n${footer([2])}` });
    await flow.settle();

    assert.equal(edits(flow), before);
  });

  it('says a cycle once on the tracking issue, naming its stories, and starts nothing in it', async () => {
    const alice = flow.forge.as('alice');
    const e = (await alice.openIssue(REPO, { title: 'E loop', body: footer([5]) })).number;
    const f = (await alice.openIssue(REPO, { title: 'F loop', body: footer([e]) })).number;
    await flow.settle();
    assert.deepEqual(problemComments(flow), []);

    await alice.editIssue(REPO, e, { body: footer([f]) });
    await flow.settle();
    await alice.editIssue(REPO, f, { title: 'F loop, still' });
    await flow.settle();

    const said = problemComments(flow);
    assert.equal(said.length, 1);
    assert.equal(said[0]?.author, 'boss');
    assert.match(said[0]?.body ?? '', new RegExp(`#${e} → #${f} → #${e} is a cycle`));
    assert.match(block(flow), new RegExp(`- #${e} E loop ⛔ blocked: in the cycle #${e} → #${f} → #${e}`));
    assert.deepEqual(handedOut(asked), [2, 3, 4]);
  });

  it('follows a person’s edit of a footer: the graph and the block', async () => {
    await flow.forge.as('alice').editIssue(REPO, 5, { body: footer([3]) });
    await flow.settle();

    assert.match(block(flow), /- #5 D dispatcher <-- #3\n/);
    assert.deepEqual(handedOut(asked), [2, 3, 4]);
  });

  it('loses nothing and starts nothing twice across a restart, with a merge while it was stopped', async () => {
    pulls.set(3, await openPull(flow, 3));
    await flow.settle();
    await flow.stopService();
    await flow.forge.as('alice').mergePull(REPO, pulls.get(3)!);

    restarted = await startFlow({
      runner: recorder(asked),
      milestones: 'maxInFlight: 2',
      scene: flow,
      dataDir: flow.dataDir,
    });
    await restarted.settle();

    assert.deepEqual(handedOut(asked), [2, 3, 4, 5]);
    assert.match(block(restarted), new RegExp(`- #3 B workdir ✅ PR #${pulls.get(3)}`));
    assert.match(block(restarted), /- #5 D dispatcher ← next up/);
    assert.equal(problemComments(restarted).length, 1, 'the cycle is not said again');
    assert.deepEqual(flow.forge.openApiViolations(), []);
  });
});

/**
 * The REST client's CI and merge calls against the forge double over real HTTP, every request
 * and response checked against Gitea's swagger: statuses, Actions runs, jobs and log tails, a
 * rerun, the checks protection requires, a PR's `mergeable`, and merging.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startForgeDouble, type ForgeDouble, type ForgeUser } from '../../../test/support/forge/forge-double.js';
import { silentLogger } from '../../lib/logger.js';
import { Secret } from '../../lib/secret.js';
import { ForgeApiError, type ForgeClient } from '../client.js';
import { globMatches, ruleFor } from './checks.js';
import { createGiteaClient } from './gitea-client.js';

const REPO = 'acme/app';

describe('createGiteaClient: checks and merging', () => {
  let forge: ForgeDouble;
  let alice: ForgeUser;
  let admin: ForgeClient;
  let dev: ForgeClient;
  const clientAs = (user: ForgeUser) =>
    createGiteaClient({ baseUrl: forge.url, token: new Secret(user.token), log: silentLogger() });
  let branches = 0;
  async function openPull(): Promise<{ number: number; head: string; branch: string }> {
    const branch = `work-${++branches}`;
    const { after: head } = await forge.as('dev-bot').pushCommit(REPO, { branch, files: { [`${branch}.txt`]: 'x\n' } });
    const pull = await forge.as('dev-bot').openPull(REPO, { head: branch, title: `Work ${branches}` });
    return { number: pull.number, head, branch };
  }

  before(async () => {
    forge = await startForgeDouble({ webhookSecret: 'secret', flavour: 'gitea', checkOpenApi: true });
    alice = forge.addUser('alice');
    const bot = forge.addUser('dev-bot');
    forge.addUser('reviewer');
    await forge.createRepo('acme', 'app', {
      collaborators: { alice: 'admin', 'dev-bot': 'write', reviewer: 'write' },
    });
    admin = clientAs(alice);
    dev = clientAs(bot);
  });
  after(async () => {
    await forge.close();
    assert.deepEqual(forge.openApiViolations(), [], 'every request and response fits the Gitea swagger');
    assert.deepEqual(forge.faults(), []);
  });

  it('lists the paths a pull request changes since its merge base: a file added and removed again on the branch is none', async () => {
    const branch = 'files-1';
    await forge.as('dev-bot').pushCommit(REPO, { branch, files: { 'a.txt': 'a\n', 'docs/b.md': 'b\n' } });
    await forge.as('dev-bot').pushCommit(REPO, { branch, files: { 'docs/b.md': null, 'docs/c.md': 'b\n' } });
    const pull = await forge.as('dev-bot').openPull(REPO, { head: branch, title: 'Files' });

    assert.deepEqual((await dev.listPullFiles(REPO, pull.number)).sort(), ['a.txt', 'docs/c.md']);
  });

  it('lists every status of a commit, newest first, over several pages, its state read from `status`', async () => {
    const { head } = await openPull();
    for (let i = 0; i < 52; i++)
      await forge.as('dev-bot').postStatus(REPO, head, { state: 'pending', context: `c${i}` });
    await forge.as('dev-bot').postStatus(REPO, head, {
      state: 'failure',
      context: 'ci/test',
      description: 'tests failed',
      targetUrl: 'https://ci.example/9',
    });

    const statuses = await dev.listCommitStatuses(REPO, head);

    assert.equal(statuses.length, 53);
    assert.deepEqual(
      { ...statuses[0], id: 0, updatedAt: '' },
      {
        id: 0,
        context: 'ci/test',
        state: 'failure',
        targetUrl: 'https://ci.example/9',
        description: 'tests failed',
        updatedAt: '',
      },
    );
    assert.match(statuses[0]?.updatedAt ?? '', /^\d{4}-\d\d-\d\dT/);
  });

  it('reads the runs of a head commit and the jobs of a run, as Gitea names them', async () => {
    const { head, branch } = await openPull();
    const other = await openPull();
    await forge.actions.runWorkflow(REPO, { sha: other.head, branch: other.branch, jobs: [{ name: 'test' }] });
    const run = await forge.actions.runWorkflow(REPO, {
      sha: head,
      branch,
      jobs: [
        { name: 'lint', conclusion: 'success' },
        { name: 'test', conclusion: 'failure' },
      ],
    });

    const runs = await dev.listActionRuns(REPO, head);
    const jobs = await dev.listRunJobs(REPO, run.id);

    assert.deepEqual(runs, [
      {
        id: run.id,
        headSha: head,
        headBranch: branch,
        status: 'completed',
        conclusion: 'failure',
        path: `ci.yml@refs/heads/${branch}`,
        title: `CI on ${branch}`,
        htmlUrl: `${forge.url}/${REPO}/actions/runs/${run.index}`,
        attempt: 1,
      },
    ]);
    assert.deepEqual(
      jobs.map((job) => [job.name, job.runId, job.headSha, job.status, job.conclusion, job.htmlUrl]),
      [
        ['lint', run.id, head, 'completed', 'success', `${forge.url}/${REPO}/actions/runs/${run.index}/jobs/0`],
        ['test', run.id, head, 'completed', 'failure', `${forge.url}/${REPO}/actions/runs/${run.index}/jobs/1`],
      ],
    );
  });

  it('keeps only the end of a long log, saying how many bytes it left out', async () => {
    const { head, branch } = await openPull();
    const log = `${'x'.repeat(200_000)}\nFAIL parser.test.ts\n`;
    const run = await forge.actions.runWorkflow(REPO, {
      sha: head,
      branch,
      jobs: [{ name: 'test', conclusion: 'failure', log }],
    });
    const [job] = forge.actions.jobs(REPO, run.id);

    const tail = await dev.jobLogTail(REPO, job?.id ?? 0, 1000);
    const whole = await dev.jobLogTail(REPO, job?.id ?? 0, 1_000_000);

    assert.equal(tail.text, log.slice(-1000));
    assert.equal(tail.omitted, log.length - 1000);
    assert.deepEqual(whole, { text: log, omitted: 0 });
  });

  it('starts a tail on a whole character when the cut falls inside one', async () => {
    const { head, branch } = await openPull();
    const run = await forge.actions.runWorkflow(REPO, {
      sha: head,
      branch,
      jobs: [{ name: 'test', conclusion: 'failure', log: 'ééé' }],
    });
    const [job] = forge.actions.jobs(REPO, run.id);

    const tail = await dev.jobLogTail(REPO, job?.id ?? 0, 3);

    assert.deepEqual(tail, { text: 'é', omitted: 4 });
  });

  it('asks for a rerun of a run’s failed jobs', async () => {
    const { head, branch } = await openPull();
    const run = await forge.actions.runWorkflow(REPO, {
      sha: head,
      branch,
      jobs: [{ name: 'test', conclusion: 'failure' }],
    });

    await dev.rerunFailedJobs(REPO, run.id);

    assert.deepEqual(
      forge.actions.reruns(REPO).map((rerun) => [rerun.runId, rerun.by]),
      [[run.id, 'dev-bot']],
    );
  });

  it('reads the status checks branch protection requires, from an exact or a glob rule', async () => {
    for (const body of [
      { rule_name: 'main', enable_status_check: true, status_check_contexts: ['CI / test (pull_request)'] },
      { rule_name: 'release/*', enable_status_check: true, status_check_contexts: ['CI / *'] },
      { rule_name: 'stable', required_approvals: 1 },
    ]) {
      const answer = await fetch(`${forge.apiUrl}/repos/${REPO}/branch_protections`, {
        method: 'POST',
        headers: { authorization: `token ${alice.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      assert.equal(answer.status, 201);
    }

    assert.deepEqual(await admin.requiredChecks(REPO, 'main'), ['CI / test (pull_request)']);
    assert.deepEqual(await admin.requiredChecks(REPO, 'release/1.0'), ['CI / *']);
    assert.equal(await admin.requiredChecks(REPO, 'stable'), undefined);
    assert.equal(await admin.requiredChecks(REPO, 'feature'), undefined);
  });

  // From here on, main requires `CI / test (pull_request)` (the rule above).
  const green = (head: string, branch: string) =>
    forge.actions.runWorkflow(REPO, { sha: head, branch, jobs: [{ name: 'test', conclusion: 'success' }] });

  it('merges a PR whose required checks passed', async () => {
    const { number, head, branch } = await openPull();
    await green(head, branch);

    const outcome = await dev.mergePull(REPO, number, { style: 'merge', headSha: head, whenChecksSucceed: false });

    assert.equal(outcome, 'merged');
    assert.equal(forge.issue(REPO, number)?.pull?.merged, true);
  });

  it('reads a merge asked to wait for checks that passed already as merged', async () => {
    const { number, head, branch } = await openPull();
    await green(head, branch);

    const outcome = await dev.mergePull(REPO, number, { style: 'squash', headSha: head, whenChecksSucceed: true });

    assert.equal(outcome, 'merged');
  });

  it('schedules a merge whose checks have not passed, which the forge then makes when they do', async () => {
    const { number, head, branch } = await openPull();

    const outcome = await dev.mergePull(REPO, number, { style: 'merge', headSha: head, whenChecksSucceed: true });
    await green(head, branch);

    assert.equal(outcome, 'scheduled');
    assert.equal(forge.issue(REPO, number)?.pull?.merged, true);
  });

  it('never sends force_merge, and names the head it judged', async () => {
    const { number, head } = await openPull();

    await dev.mergePull(REPO, number, { style: 'merge', headSha: head, whenChecksSucceed: true });

    const attempt = forge.mergeAttempts(REPO).at(-1);
    assert.deepEqual(
      [attempt?.number, attempt?.headCommitId, attempt?.forceMerge, attempt?.outcome],
      [number, head, false, 'scheduled'],
    );
  });

  const refusals = [
    {
      what: 'a head that moved since it was judged (409)',
      status: 409,
      arrange: async (pull: { head: string; branch: string }) => {
        await green(pull.head, pull.branch);
        await forge.as('dev-bot').pushCommit(REPO, { branch: pull.branch, files: { 'late.txt': 'late\n' } });
      },
    },
    { what: 'a PR whose required checks have not passed (405)', status: 405, arrange: async () => {} },
    {
      what: 'a PR that conflicts with its base (405), which it reads as not mergeable',
      status: 405,
      arrange: async (pull: { head: string; branch: string }) => {
        await green(pull.head, pull.branch);
        await forge.as('alice').pushCommit(REPO, { branch: 'main', files: { [`${pull.branch}.txt`]: 'main\n' } });
      },
    },
  ];
  for (const { what, status, arrange } of refusals) {
    it(`fails with a ForgeApiError for ${what}`, async () => {
      const pull = await openPull();
      await arrange(pull);

      const merging = dev.mergePull(REPO, pull.number, {
        style: 'merge',
        headSha: pull.head,
        whenChecksSucceed: false,
      });

      await assert.rejects(merging, (error) => error instanceof ForgeApiError && error.status === status);
      assert.equal(forge.issue(REPO, pull.number)?.pull?.merged, false);
    });
  }

  it('reads whether a PR merges onto its base (`mergeable`)', async () => {
    const pull = await openPull();
    const before = await dev.getPull(REPO, pull.number);

    await forge.as('alice').pushCommit(REPO, { branch: 'main', files: { [`${pull.branch}.txt`]: 'conflict\n' } });
    const after = await dev.getPull(REPO, pull.number);

    assert.deepEqual([before.mergeable, after.mergeable], [true, false]);
  });
});

describe('createGiteaClient: required checks a writer may not read', () => {
  it("reads a 403 from Gitea's reqAdmin (a status its swagger leaves out) as no requirement", async () => {
    const forge = await startForgeDouble({ webhookSecret: 'secret' });
    try {
      const bot = forge.addUser('dev-bot');
      await forge.createRepo('acme', 'app', { collaborators: { 'dev-bot': 'write' } });
      const dev = createGiteaClient({ baseUrl: forge.url, token: new Secret(bot.token), log: silentLogger() });

      const required = await dev.requiredChecks(REPO, 'main');

      assert.equal(required, undefined);
      assert.equal(forge.requests().at(-1)?.status, 403);
    } finally {
      await forge.close();
    }
  });
});

describe('ruleFor', () => {
  const rules = [
    { rule_name: 'release/*', priority: 2, enable_status_check: true },
    { rule_name: 'release/**', priority: 1, enable_status_check: true },
    { rule_name: 'main', enable_status_check: true },
    { branch_name: 'old', enable_status_check: true },
  ];
  const cases = [
    { branch: 'main', rule: 'main' },
    { branch: 'old', rule: 'old' },
    { branch: 'release/1.0', rule: 'release/**', why: 'the glob rule of lower priority first' },
    { branch: 'release/1.0/hotfix', rule: 'release/**' },
    { branch: 'feature', rule: undefined },
  ];
  for (const { branch, rule } of cases) {
    it(`picks ${rule ?? 'no rule'} for ${branch}`, () => {
      const found = ruleFor(rules, branch);

      assert.equal(found?.rule_name ?? found?.branch_name, rule);
    });
  }

  it('reads `*` within one path segment and `**` across them', () => {
    assert.deepEqual(
      [globMatches('release/*', 'release/1'), globMatches('release/*', 'release/1/x'), globMatches('a.b', 'aXb')],
      [true, false, false],
    );
  });
});

/**
 * The double's CI and merging, as the "until merged" work reads them: commit statuses and their
 * `status` webhooks, Actions runs and jobs told as Gitea (`workflow_run`, `workflow_job`) and
 * Forgejo (`action_run_*`) tell them, reruns of failed jobs, a PR's `mergeable`, and merges that
 * branch protection holds back or schedules. Every exchange is checked against the swagger, and
 * each new payload's parts against its definition.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startForgeDouble, type ForgeDouble, type ForgeUser, type WebhookDelivery } from './forge-double.js';
import { createOpenApiChecker, type OpenApiChecker } from './openapi-check.js';

const REPO = 'acme/app';

interface Setup {
  forge: ForgeDouble;
  alice: ForgeUser;
  dev: ForgeUser;
}

async function forgeWithRepo(flavour: 'forgejo' | 'gitea'): Promise<Setup> {
  const forge = await startForgeDouble({ webhookSecret: 'secret', flavour, checkOpenApi: true });
  const alice = forge.addUser('alice');
  const dev = forge.addUser('dev');
  await forge.createRepo('acme', 'app', { collaborators: { alice: 'admin', dev: 'write' } });
  return { forge, alice, dev };
}

async function api(forge: ForgeDouble, user: ForgeUser, method: string, path: string, body?: unknown) {
  const response = await fetch(`${forge.apiUrl}${path}`, {
    method,
    headers: { authorization: `token ${user.token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const json: unknown = response.headers.get('content-type')?.startsWith('application/json')
    ? JSON.parse(text)
    : undefined;
  return { status: response.status, text, json: json as Record<string, unknown> };
}

/** A PR from `branch` with one new file, and its head. */
async function openPull(forge: ForgeDouble, branch: string): Promise<{ number: number; head: string }> {
  const { after: head } = await forge.as('dev').pushCommit(REPO, { branch, files: { [`${branch}.txt`]: 'x\n' } });
  const pull = await forge.as('dev').openPull(REPO, { head: branch, title: `Work on ${branch}` });
  return { number: pull.number, head };
}

const since = (forge: ForgeDouble, count: number): WebhookDelivery[] => forge.deliveries().slice(count);
const kinds = (deliveries: readonly WebhookDelivery[]): string[] =>
  deliveries.map((d) => `${d.eventType}:${String(d.payload.action ?? d.payload.state)}`);

describe('forge double CI (Gitea)', () => {
  let s: Setup;
  let checker: OpenApiChecker;
  before(async () => {
    checker = await createOpenApiChecker();
    s = await forgeWithRepo('gitea');
  });
  after(async () => {
    await s.forge.close();
    assert.deepEqual(s.forge.openApiViolations(), [], 'every exchange fits the Gitea swagger');
    assert.deepEqual(s.forge.faults(), []);
  });

  it('answers a posted status with 201 and delivers it as a `status` webhook with the status at the top', async () => {
    const { head } = await openPull(s.forge, 'status-1');
    const before = s.forge.deliveries().length;

    const posted = await api(s.forge, s.dev, 'POST', `/repos/${REPO}/statuses/${head}`, {
      state: 'failure',
      context: 'ci/lint',
      description: 'lint failed',
      target_url: 'https://ci.example/1',
    });
    await s.forge.idle();

    assert.equal(posted.status, 201);
    assert.equal(posted.json.status, 'failure');
    const [hook] = since(s.forge, before);
    assert.equal(hook?.headers['x-gitea-event'], 'status');
    assert.equal(hook?.headers['x-gitea-event-type'], 'status');
    assert.deepEqual(
      [hook?.payload.sha, hook?.payload.state, hook?.payload.context, hook?.payload.target_url],
      [head, 'failure', 'ci/lint', 'https://ci.example/1'],
    );
    assert.equal((hook?.payload.commit as { id: string }).id, head);
    assert.deepEqual(checker.checkSchema('Repository', hook?.payload.repository), []);
    assert.deepEqual(checker.checkSchema('User', hook?.payload.sender), []);
  });

  it("lists a commit's statuses newest first and combines the newest of each context", async () => {
    const { head } = await openPull(s.forge, 'status-2');
    const ci = s.forge.as('dev');
    await ci.postStatus(REPO, head, { state: 'pending', context: 'ci/test' });
    await ci.postStatus(REPO, head, { state: 'success', context: 'ci/test' });
    await ci.postStatus(REPO, head, { state: 'success', context: 'ci/lint' });

    const list = await api(s.forge, s.dev, 'GET', `/repos/${REPO}/commits/${head}/statuses`);
    const combined = await api(s.forge, s.dev, 'GET', `/repos/${REPO}/commits/status-2/status`);

    assert.deepEqual(
      (list.json as unknown as Array<{ context: string; status: string }>).map((x) => `${x.context}=${x.status}`),
      ['ci/lint=success', 'ci/test=success', 'ci/test=pending'],
    );
    assert.deepEqual([combined.json.state, combined.json.total_count], ['success', 2]);
  });

  it('tells a finished job as workflow_job, its commit status, and workflow_run completed', async () => {
    const { head } = await openPull(s.forge, 'ci-1');
    const run = await s.forge.actions.startRun(REPO, { sha: head, branch: 'ci-1', jobs: [{ name: 'test' }] });
    const [job] = s.forge.actions.jobs(REPO, run.id);
    const before = s.forge.deliveries().length;

    await s.forge.actions.finishJob(REPO, job?.id ?? 0, { conclusion: 'failure', log: 'FAIL parser.test.ts' });
    await s.forge.idle();

    const hooks = since(s.forge, before);
    assert.deepEqual(kinds(hooks), [
      'workflow_run:in_progress',
      'workflow_job:in_progress',
      'status:pending',
      'workflow_job:completed',
      'status:failure',
      'workflow_run:completed',
    ]);
    const status = hooks.find((h) => h.eventType === 'status' && h.payload.state === 'failure')?.payload;
    assert.equal(status?.context, 'CI / test (pull_request)');
    assert.equal(status?.target_url, `/${REPO}/actions/runs/${run.index}/jobs/0`);
    assert.equal((status?.sender as { login: string }).login, 'gitea-actions');
    const completed = hooks.at(-1)?.payload;
    assert.deepEqual(checker.checkSchema('ActionWorkflowRun', completed?.workflow_run), []);
    assert.deepEqual(
      [(completed?.workflow_run as { conclusion: string }).conclusion, (completed?.workflow as { name: string }).name],
      ['failure', 'CI'],
    );
    const jobHook = hooks.find((h) => h.eventType === 'workflow_job' && h.payload.action === 'completed')?.payload;
    assert.deepEqual(checker.checkSchema('ActionWorkflowJob', jobHook?.workflow_job), []);
  });

  it('serves runs by head commit, their jobs, and a job log as plain text', async () => {
    const { head } = await openPull(s.forge, 'ci-2');
    const run = await s.forge.actions.runWorkflow(REPO, {
      sha: head,
      branch: 'ci-2',
      jobs: [
        { name: 'lint', conclusion: 'success', log: 'ok\n' },
        { name: 'test', conclusion: 'failure', log: 'boom\n' },
      ],
    });

    const runs = await api(s.forge, s.dev, 'GET', `/repos/${REPO}/actions/runs?head_sha=${head}`);
    const jobs = await api(s.forge, s.dev, 'GET', `/repos/${REPO}/actions/runs/${run.id}/jobs`);
    const failing = (jobs.json.jobs as Array<{ id: number; name: string; conclusion: string }>).find(
      (job) => job.conclusion === 'failure',
    );
    const log = await api(s.forge, s.dev, 'GET', `/repos/${REPO}/actions/jobs/${failing?.id}/logs`);

    assert.deepEqual(
      (runs.json.workflow_runs as Array<{ id: number; conclusion: string }>).map((r) => [r.id, r.conclusion]),
      [[run.id, 'failure']],
    );
    assert.equal(failing?.name, 'test');
    assert.deepEqual([log.status, log.text], [200, 'boom\n']);
  });

  it('puts failed jobs back in a new attempt on rerun-failed-jobs, ended as the test hook decides', async () => {
    const { head } = await openPull(s.forge, 'ci-3');
    const run = await s.forge.actions.runWorkflow(REPO, {
      sha: head,
      branch: 'ci-3',
      jobs: [
        { name: 'lint', conclusion: 'success' },
        { name: 'test', conclusion: 'failure', log: 'flaky' },
      ],
    });
    s.forge.actions.onRerun(() => ({ conclusion: 'success', log: 'passed this time' }));

    const answer = await api(s.forge, s.dev, 'POST', `/repos/${REPO}/actions/runs/${run.id}/rerun-failed-jobs`);
    s.forge.actions.onRerun(undefined);

    assert.equal(answer.status, 201);
    assert.equal(s.forge.actions.reruns(REPO).length, 1);
    const jobs = s.forge.actions.jobs(REPO, run.id);
    assert.deepEqual(
      jobs.map((job) => [job.name, job.attempt, job.conclusion, job.log]),
      [
        ['lint', 1, 'success', ''],
        ['test', 2, 'success', 'passed this time'],
      ],
    );
    assert.deepEqual([run.attempt, run.conclusion], [2, 'success']);
  });

  it('fails a rerun again unless the test says otherwise', async () => {
    const { head } = await openPull(s.forge, 'ci-4');
    const run = await s.forge.actions.runWorkflow(REPO, {
      sha: head,
      branch: 'ci-4',
      jobs: [{ name: 'test', conclusion: 'failure', log: 'broken' }],
    });

    await api(s.forge, s.dev, 'POST', `/repos/${REPO}/actions/runs/${run.id}/rerun-failed-jobs`);

    assert.deepEqual(
      [run.attempt, run.conclusion, s.forge.actions.jobs(REPO, run.id)[0]?.log],
      [2, 'failure', 'broken'],
    );
  });
});

describe('forge double CI (Forgejo)', () => {
  let s: Setup;
  before(async () => {
    s = await forgeWithRepo('forgejo');
  });
  after(async () => {
    await s.forge.close();
    assert.deepEqual(s.forge.openApiViolations(), []);
  });

  it('tells a failed run as action_run_failure and its successful rerun as success and recover', async () => {
    const { head } = await openPull(s.forge, 'ci-1');
    const before = s.forge.deliveries().length;
    const run = await s.forge.actions.runWorkflow(REPO, {
      sha: head,
      branch: 'ci-1',
      statuses: false,
      jobs: [{ name: 'test', conclusion: 'failure' }],
    });
    s.forge.actions.onRerun(() => ({ conclusion: 'success' }));

    await api(s.forge, s.dev, 'POST', `/repos/${REPO}/actions/runs/${run.id}/rerun-failed-jobs`);
    await s.forge.idle();

    const hooks = since(s.forge, before);
    assert.deepEqual(kinds(hooks), [
      'action_run_failure:failure',
      'action_run_success:success',
      'action_run_recover:recover',
    ]);
    const failure = hooks[0];
    assert.equal(failure?.headers['x-forgejo-event-type'], 'action_run_failure');
    assert.equal(failure?.headers['x-gitea-event-type'], 'action_run_failure');
    const payloadRun = failure?.payload.run as { id: number; commit_sha: string; status: string; html_url: string };
    assert.deepEqual(
      [payloadRun.id, payloadRun.commit_sha, payloadRun.status, failure?.payload.prior_status],
      [run.id, head, 'failure', 'running'],
    );
    assert.match(payloadRun.html_url, new RegExp(`/${REPO}/actions/runs/${run.index}$`));
  });

  it('sends no status webhook, as Forgejo has no such hook event, and still lists the status', async () => {
    const { head } = await openPull(s.forge, 'status-1');
    const before = s.forge.deliveries().length;

    await s.forge.as('dev').postStatus(REPO, head, { state: 'success', context: 'ci/build' });
    await s.forge.idle();

    assert.deepEqual(since(s.forge, before), []);
    assert.deepEqual(
      s.forge.statuses(REPO, head).map((status) => [status.context, status.state]),
      [['ci/build', 'success']],
    );
  });
});

describe('forge double merging through the API', () => {
  let s: Setup;
  before(async () => {
    s = await forgeWithRepo('gitea');
    s.forge.addUser('reviewer');
    assert.equal(
      (await api(s.forge, s.alice, 'PUT', `/repos/${REPO}/collaborators/reviewer`, { permission: 'write' })).status,
      204,
    );
    const rule = await api(s.forge, s.alice, 'POST', `/repos/${REPO}/branch_protections`, {
      rule_name: 'main',
      required_approvals: 1,
      enable_status_check: true,
      status_check_contexts: ['CI / *'],
    });
    assert.equal(rule.status, 201);
  });
  after(async () => {
    await s.forge.close();
    assert.deepEqual(s.forge.openApiViolations(), [], 'every exchange fits the Gitea swagger');
    assert.deepEqual(s.forge.faults(), []);
  });

  const merge = (number: number, body: Record<string, unknown>) =>
    api(s.forge, s.dev, 'POST', `/repos/${REPO}/pulls/${number}/merge`, { Do: 'merge', ...body });
  const green = (sha: string, branch: string) =>
    s.forge.actions.runWorkflow(REPO, { sha, branch, jobs: [{ name: 'test', conclusion: 'success' }] });

  it('refuses a merge without the required approval (405) and merges once approved', async () => {
    const { number, head } = await openPull(s.forge, 'merge-1');
    await green(head, 'merge-1');

    const refused = await merge(number, { head_commit_id: head });
    await s.forge.as('reviewer').submitReview(REPO, number, { event: 'APPROVED', body: 'good' });
    const merged = await merge(number, { head_commit_id: head });
    await s.forge.idle();

    assert.equal(refused.status, 405);
    assert.equal(merged.status, 200);
    assert.equal(s.forge.issue(REPO, number)?.pull?.merged, true);
    assert.deepEqual(
      s.forge.mergeAttempts(REPO).map((a) => [a.number, a.outcome, a.status]),
      [
        [number, 'refused', 405],
        [number, 'merged', 200],
      ],
    );
    const closed = s.forge.deliveries().find((d) => d.eventType === 'pull_request' && d.payload.action === 'closed');
    assert.equal((closed?.payload.pull_request as { merged: boolean }).merged, true);
  });

  it('refuses a merge of a head that moved since (409), and one whose checks have not passed (405)', async () => {
    const { number, head } = await openPull(s.forge, 'merge-2');
    await s.forge.as('reviewer').submitReview(REPO, number, { event: 'APPROVED', body: 'good' });
    await s.forge.as('dev').pushCommit(REPO, { branch: 'merge-2', files: { 'more.txt': 'more\n' } });

    const moved = await merge(number, { head_commit_id: head });
    const unchecked = await merge(number, {});

    assert.deepEqual([moved.status, unchecked.status], [409, 405]);
    assert.equal(s.forge.issue(REPO, number)?.pull?.merged, false);
  });

  it('schedules a merge held back by its checks (201) and merges it when they turn green', async () => {
    const { number, head } = await openPull(s.forge, 'merge-3');
    await s.forge.as('reviewer').submitReview(REPO, number, { event: 'APPROVED', body: 'good' });

    const scheduled = await merge(number, { head_commit_id: head, merge_when_checks_succeed: true });
    const waiting = s.forge.issue(REPO, number)?.pull?.merged;
    await green(head, 'merge-3');
    await s.forge.idle();

    assert.equal(scheduled.status, 201);
    assert.equal(waiting, false);
    assert.equal(s.forge.issue(REPO, number)?.pull?.merged, true);
    assert.deepEqual(s.forge.scheduledMerges(REPO), []);
  });

  it('merges a scheduled PR when the approval it waited for arrives after its checks passed', async () => {
    const { number, head } = await openPull(s.forge, 'merge-5');
    await green(head, 'merge-5');

    const scheduled = await merge(number, { head_commit_id: head, merge_when_checks_succeed: true });
    await s.forge.as('reviewer').submitReview(REPO, number, { event: 'APPROVED', body: 'good' });

    assert.equal(scheduled.status, 201);
    assert.equal(s.forge.issue(REPO, number)?.pull?.merged, true);
  });

  it('drops a scheduled merge when a new head is pushed', async () => {
    const { number, head } = await openPull(s.forge, 'merge-6');
    await s.forge.as('reviewer').submitReview(REPO, number, { event: 'APPROVED', body: 'good' });
    await merge(number, { head_commit_id: head, merge_when_checks_succeed: true });

    const { after: next } = await s.forge.as('dev').pushCommit(REPO, { branch: 'merge-6', files: { 'b.txt': 'b\n' } });
    await green(next, 'merge-6');

    assert.equal(s.forge.issue(REPO, number)?.pull?.merged, false);
    assert.deepEqual(s.forge.scheduledMerges(REPO), []);
  });

  it('says a PR is not mergeable after a conflicting change lands on its base, and refuses to merge it', async () => {
    await s.forge.as('dev').pushCommit(REPO, { branch: 'merge-4', files: { 'shared.txt': 'from the PR\n' } });
    const pull = await s.forge.as('dev').openPull(REPO, { head: 'merge-4', title: 'Shared' });
    const before = await api(s.forge, s.dev, 'GET', `/repos/${REPO}/pulls/${pull.number}`);

    await s.forge.as('alice').pushCommit(REPO, { branch: 'main', files: { 'shared.txt': 'from main\n' } });
    const after = await api(s.forge, s.dev, 'GET', `/repos/${REPO}/pulls/${pull.number}`);
    const refused = await merge(pull.number, {});

    assert.deepEqual([before.json.mergeable, after.json.mergeable], [true, false]);
    assert.equal(refused.status, 405);
  });
});

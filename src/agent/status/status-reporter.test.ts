/**
 * The status reporter and `finaliseOrphaned` against the forge double over real HTTP: one
 * comment per run, posted once and edited in place, `working` edits rate-limited, the final
 * update always sent, and forge failures logged, never thrown. One comment per job even when an
 * answer is lost: the comment is then found by its marker.
 */
import assert from 'node:assert/strict';
import { capturingLogger } from '../../../test/support/capturing-logger.js';
import { after, before, describe, it } from 'node:test';
import { startForgeDouble, type ForgeDouble } from '../../../test/support/forge/forge-double.js';
import { ForgeApiError, type ForgeClient } from '../../forge/client.js';
import type { RepoRef } from '../../core/events.js';
import { createGiteaClient } from '../../forge/rest/gitea-client.js';
import { manualClock } from '../../lib/clock.js';
import { silentLogger } from '../../lib/logger.js';
import { createRedactor } from '../../lib/redactor.js';
import { Secret } from '../../lib/secret.js';
import { finaliseOrphaned } from './finalise-orphaned.js';
import { createStatusReporter, type StatusReporterOptions } from './status-reporter.js';
import type { RunStatus } from './types.js';

const REPO = 'acme/app';
const finished: RunStatus = {
  phase: 'finished',
  outcome: 'succeeded',
  turns: 3,
  costUsd: 0.05,
  durationMs: 40_000,
  session: 'new',
  prompt: 'full',
  silent: false,
  runUrl: undefined,
};
const working = (elapsedMs: number, activity: string): RunStatus => ({ phase: 'working', elapsedMs, activity });
const COMMENT_POST = /^\/repos\/acme\/app\/issues\/\d+\/comments$/;

describe('createStatusReporter', () => {
  let forge: ForgeDouble;
  let client: ForgeClient;
  let repo: RepoRef;
  let nextIssue: () => Promise<number>;

  before(async () => {
    forge = await startForgeDouble({ webhookSecret: 'secret', checkOpenApi: true });
    forge.addUser('alice');
    const dev = forge.addUser('dev');
    await forge.createRepo('acme', 'app', { collaborators: { alice: 'write', dev: 'write' } });
    client = createGiteaClient({ baseUrl: forge.url, token: new Secret(dev.token), log: silentLogger() });
    repo = await client.getRepository(REPO);
    nextIssue = async () => (await forge.as('alice').openIssue(REPO, { title: 'Work' })).number;
  });
  after(async () => {
    assert.deepEqual(forge.openApiViolations(), []);
    await forge.close();
  });

  const reporterFor = (issue: number, options: Partial<StatusReporterOptions> = {}) =>
    createStatusReporter({ client, repo, issue, agent: 'dev', jobId: 12, log: silentLogger(), ...options });

  it('posts the comment on the first update and edits that same comment after', async () => {
    const issue = await nextIssue();
    const reporter = reporterFor(issue);
    const hooks = forge.deliveries().length;

    await reporter.update({ phase: 'queued', position: 1 });
    const posted = reporter.commentId;
    await reporter.update(working(0, 'Reading the issue'));
    await reporter.update(finished);
    await forge.idle();

    const comments = forge.comments(REPO, issue);
    assert.equal(comments.length, 1);
    assert.equal(comments[0]?.id, posted);
    assert.equal(reporter.commentId, posted);
    assert.equal(comments[0]?.author, 'dev');
    assert.match(comments[0]?.body ?? '', /^<!-- claude-hooks:status job=12 -->\n✅ \*\*dev\*\* finished\./);
    assert.deepEqual(
      forge
        .deliveries()
        .slice(hooks)
        .map((delivery) => (delivery.payload as { action: string }).action),
      ['created', 'edited', 'edited'],
    );
  });

  it('withdraws its comment after the update given before it, leaving the issue as it was', async () => {
    const issue = await nextIssue();
    const reporter = reporterFor(issue);

    void reporter.update(working(0, 'starting'));
    await reporter.withdraw();

    assert.deepEqual(forge.comments(REPO, issue), []);
    assert.equal(reporter.commentId, undefined);
  });

  it('withdraws, when its POST lost its answer, the comment the forge made all the same', async () => {
    const issue = await nextIssue();
    const reporter = reporterFor(issue);
    forge.loseAnswerOfNext('POST', COMMENT_POST, 'dev');

    await reporter.update(working(0, 'starting'));
    await reporter.withdraw();

    assert.deepEqual(forge.comments(REPO, issue), []);
  });

  it('withdraws nothing when it never posted, and takes a comment already deleted as withdrawn', async () => {
    const issue = await nextIssue();
    const never = reporterFor(issue, { jobId: 31 });
    const deleted = reporterFor(issue, { jobId: 32 });
    await deleted.update(working(0, 'starting'));
    await forge.as('alice').comment(REPO, issue, 'a person was here');
    await client.deleteComment(REPO, deleted.commentId ?? 0);
    const log = capturingLogger();
    const quiet = reporterFor(issue, { jobId: 32, commentId: deleted.commentId, log: log.log });

    await never.withdraw();
    await quiet.withdraw();

    assert.deepEqual(
      forge.comments(REPO, issue).map((comment) => comment.body),
      ['a person was here'],
    );
    assert.deepEqual(
      log.lines.filter((line) => line.msg === 'status comment not withdrawn'),
      [],
    );
  });

  it('edits for working at most once per interval, and always sends the final update', async () => {
    const issue = await nextIssue();
    const clock = manualClock();
    const reporter = reporterFor(issue, { clock, minEditIntervalMs: 10_000 });
    const bodies = () => forge.comments(REPO, issue)[0]?.body ?? '';

    await reporter.update(working(0, 'first'));
    clock.advance(4_000);
    await reporter.update(working(4_000, 'second'));
    const afterSecond = bodies();
    clock.advance(6_000);
    await reporter.update(working(10_000, 'third'));
    const afterThird = bodies();
    clock.advance(1_000);
    await reporter.update(finished);

    assert.match(afterSecond, /Now: first$/);
    assert.match(afterThird, /Now: third$/);
    assert.match(bodies(), /finished\./);
    const edits = forge
      .requests()
      .filter(
        (request) =>
          request.method === 'PATCH' && request.path === `/api/v1/repos/${REPO}/issues/comments/${reporter.commentId}`,
      );
    assert.equal(edits.length, 2, 'the second working update was dropped; the third and the final one went out');
  });

  it('edits the comment a retried job posted before instead of posting another', async () => {
    const issue = await nextIssue();
    const earlier = await client.createComment(REPO, issue, 'old status');

    const reporter = reporterFor(issue, { commentId: earlier.id });
    await reporter.update(working(0, 'again'));

    assert.deepEqual(
      forge.comments(REPO, issue).map((comment) => comment.id),
      [earlier.id],
    );
    assert.match(forge.comments(REPO, issue)[0]?.body ?? '', /Now: again$/);
  });

  it('posts a new comment when the one it edits is gone (404)', async () => {
    const issue = await nextIssue();

    const reporter = reporterFor(issue, { commentId: 9_999 });
    await reporter.update(finished);

    assert.equal(forge.comments(REPO, issue).length, 1);
    assert.equal(reporter.commentId, forge.comments(REPO, issue)[0]?.id);
  });

  it('posts a failure that quoted the API key and the gateway with neither: the key redacted, the address hidden', async () => {
    const issue = await nextIssue();
    const apiKey = 'sk-ant-api03-leaked-by-the-gateway';
    const reporter = reporterFor(issue, { redact: createRedactor([apiKey]).redact });

    await reporter.update({
      ...finished,
      outcome: 'failed',
      detail: `gateway http://10.2.0.9:8080/v1/messages answered 401: invalid x-api-key ${apiKey}`,
    });

    const body = forge.comments(REPO, issue)[0]?.body ?? '';
    assert.match(body, /^gateway \[internal address\] answered 401: invalid x-api-key \[redacted\]$/m);
    assert.doesNotMatch(body, /sk-ant|10\.2\.0\.9|8080/);
  });

  it('finds its comment by its marker when the answer to its POST is lost, and edits that one to the end', async () => {
    const issue = await nextIssue();
    const reporter = reporterFor(issue);
    forge.loseAnswerOfNext('POST', COMMENT_POST, 'dev');

    await reporter.update(working(0, 'starting'));
    await reporter.update(working(20_000, 'Editing files'));
    await reporter.update(finished);

    const comments = forge.comments(REPO, issue);
    assert.equal(comments.length, 1);
    assert.equal(reporter.commentId, comments[0]?.id);
    assert.match(comments[0]?.body ?? '', /^<!-- claude-hooks:status job=12 -->\n✅ \*\*dev\*\* finished\./);
    const posts = forge
      .requests()
      .filter(
        (request) => request.method === 'POST' && request.path === `/api/v1/repos/${REPO}/issues/${issue}/comments`,
      );
    assert.deepEqual(
      posts.map((request) => request.status),
      [0],
      'the lost POST is never sent again',
    );
  });

  it('posts again when the forge answered 502 and made no comment', async () => {
    const issue = await nextIssue();
    const reporter = reporterFor(issue);
    forge.refuseNext('POST', COMMENT_POST, 502);

    await reporter.update(working(0, 'starting'));
    await reporter.update(finished);

    assert.equal(forge.comments(REPO, issue).length, 1);
    assert.equal(reporter.commentId, forge.comments(REPO, issue)[0]?.id);
  });

  it('removes the twin a slow forge made after the lookup missed it, keeping the comment it edits', async () => {
    const issue = await nextIssue();
    let late: (() => Promise<unknown>) | undefined;
    const slow: ForgeClient = {
      ...client,
      async createComment(repoName, number, body) {
        if (late !== undefined) return client.createComment(repoName, number, body);
        late = () => client.createComment(repoName, number, body);
        throw new ForgeApiError(
          'POST',
          `/repos/${repoName}/issues/${number}/comments`,
          0,
          'The operation was aborted due to timeout',
        );
      },
    };
    const reporter = createStatusReporter({ client: slow, repo, issue, agent: 'dev', jobId: 12, log: silentLogger() });

    await reporter.update(working(0, 'starting'));
    await late?.();
    await reporter.update(finished);

    const comments = forge.comments(REPO, issue);
    assert.deepEqual(
      comments.map((comment) => comment.id),
      [reporter.commentId],
    );
    assert.match(comments[0]?.body ?? '', /finished\./);
  });

  it('edits, on a retried attempt, the comment its earlier attempt left, found by its marker', async () => {
    const issue = await nextIssue();
    const first = reporterFor(issue, { attempt: 1 });
    await first.update(working(0, 'starting'));

    const retry = reporterFor(issue, { attempt: 2 });
    await retry.update(working(0, 'again'));

    assert.deepEqual(
      forge.comments(REPO, issue).map((comment) => comment.id),
      [first.commentId],
    );
    assert.equal(retry.commentId, first.commentId);
    assert.match(forge.comments(REPO, issue)[0]?.body ?? '', /Now: again$/);
  });

  it('leaves alone a comment by someone else that quotes the marker', async () => {
    const issue = await nextIssue();
    await forge.as('alice').comment(REPO, issue, '<!-- claude-hooks:status job=12 -->\nnot the agent');

    const retry = reporterFor(issue, { attempt: 2 });
    await retry.update(working(0, 'again'));

    assert.deepEqual(
      forge.comments(REPO, issue).map((comment) => [comment.author, /not the agent/.test(comment.body)]),
      [
        ['alice', true],
        ['dev', false],
      ],
    );
  });

  it('logs a lookup that fails and posts: a status comment never fails a run', async () => {
    const issue = await nextIssue();
    const { log, lines } = capturingLogger();
    forge.refuseNext('GET', /^\/repos\/acme\/app\/issues\/\d+\/comments$/, 500);

    const retry = createStatusReporter({ client, repo, issue, agent: 'dev', jobId: 12, attempt: 2, log });
    await retry.update(working(0, 'again'));

    assert.equal(forge.comments(REPO, issue).length, 1);
    assert.deepEqual(
      lines.filter((line) => line.msg === 'status comment not looked up by its marker').map((line) => line.level),
      ['warn'],
    );
  });

  it('logs a failed update and carries on: a status comment never fails a run', async () => {
    const { log, lines } = capturingLogger();
    const unreachable = createGiteaClient({
      baseUrl: 'http://127.0.0.1:1',
      token: new Secret('x'),
      log: silentLogger(),
    });
    const reporter = createStatusReporter({ client: unreachable, repo, issue: 1, agent: 'dev', jobId: 12, log });

    await reporter.update({ phase: 'queued', position: 1 });
    await reporter.update(finished);
    await new Promise((resolve) => setImmediate(resolve));

    assert.equal(reporter.commentId, undefined);
    const warnings = lines.filter((line) => line.msg === 'status comment not updated');
    assert.deepEqual(
      warnings.map((line) => [line.level, line.phase, line.jobId]),
      [
        ['warn', 'queued', 12],
        ['warn', 'finished', 12],
      ],
    );
  });
});

describe('finaliseOrphaned', () => {
  let forge: ForgeDouble;
  let client: ForgeClient;
  let repo: RepoRef;

  before(async () => {
    forge = await startForgeDouble({ webhookSecret: 'secret', checkOpenApi: true });
    const dev = forge.addUser('dev');
    await forge.createRepo('acme', 'app', { collaborators: { dev: 'write' } });
    client = createGiteaClient({ baseUrl: forge.url, token: new Secret(dev.token), log: silentLogger() });
    repo = await client.getRepository(REPO);
  });
  after(async () => {
    await forge.close();
  });

  it('edits a run\'s "working" comment to say the service stopped and the run will be retried', async () => {
    const issue = await forge.as('dev').openIssue(REPO, { title: 'Work' });
    const reporter = createStatusReporter({
      client,
      repo,
      issue: issue.number,
      agent: 'dev',
      jobId: 5,
      log: silentLogger(),
    });
    await reporter.update(working(1_000, 'Editing files'));

    const done = await finaliseOrphaned({
      client,
      repo,
      issue: issue.number,
      commentId: reporter.commentId!,
      agent: 'dev',
      jobId: 5,
      log: silentLogger(),
    });

    assert.equal(done, true);
    assert.equal(
      forge.comments(REPO, issue.number)[0]?.body,
      '<!-- claude-hooks:status job=5 -->\n⏹️ **dev** was interrupted: the service stopped during this run; it will be retried.',
    );
  });

  it('finds the comment by its marker when the run never learnt its id, and edits it', async () => {
    const issue = await forge.as('dev').openIssue(REPO, { title: 'Work' });
    await client.createComment(
      REPO,
      issue.number,
      '<!-- claude-hooks:status job=6 -->\n⏳ **dev** is working… Now: starting',
    );

    const done = await finaliseOrphaned({
      client,
      repo,
      issue: issue.number,
      commentId: undefined,
      agent: 'dev',
      jobId: 6,
      log: silentLogger(),
    });

    assert.equal(done, true);
    assert.deepEqual(
      forge.comments(REPO, issue.number).map((comment) => comment.body),
      [
        '<!-- claude-hooks:status job=6 -->\n⏹️ **dev** was interrupted: the service stopped during this run; it will be retried.',
      ],
    );
  });

  it('answers false when the run never learnt its id and no comment of its job is on the issue', async () => {
    const issue = await forge.as('dev').openIssue(REPO, { title: 'Work' });
    await client.createComment(REPO, issue.number, '<!-- claude-hooks:status job=8 -->\nanother job');

    const done = await finaliseOrphaned({
      client,
      repo,
      issue: issue.number,
      commentId: undefined,
      agent: 'dev',
      jobId: 7,
      log: silentLogger(),
    });

    assert.equal(done, false);
    assert.deepEqual(
      forge.comments(REPO, issue.number).map((comment) => comment.body),
      ['<!-- claude-hooks:status job=8 -->\nanother job'],
    );
  });

  it('answers false, without throwing, when the comment cannot be edited', async () => {
    const done = await finaliseOrphaned({
      client,
      repo,
      issue: 1,
      commentId: 9_999,
      agent: 'dev',
      jobId: 5,
      log: silentLogger(),
    });

    assert.equal(done, false);
  });
});

import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startForgeDouble, type ForgeDouble } from './forge-double.js';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.js';

const SECRET = 'webhook-secret';
const REPO = 'acme/app';
const sign = (body: string, secret = SECRET) => createHmac('sha256', secret).update(body).digest('hex');

async function forgeWithRepo(options: Partial<Parameters<typeof startForgeDouble>[0]> = {}): Promise<ForgeDouble> {
  const forge = await startForgeDouble({ webhookSecret: SECRET, ...options });
  forge.addUser('alice');
  forge.addUser('dev');
  await forge.createRepo('acme', 'app', { collaborators: { alice: 'admin', dev: 'write' }, labels: ['bug'] });
  return forge;
}

describe('forge double webhooks', () => {
  let receiver: WebhookReceiver;
  let forge: ForgeDouble;
  before(async () => {
    receiver = await startWebhookReceiver();
    forge = await forgeWithRepo({ webhookUrl: receiver.url });
  });
  after(async () => {
    await forge.close();
    await receiver.close();
  });

  it('sends a change once, as pretty-printed JSON signed with bare hex, with every header Forgejo sends', async () => {
    const issue = await forge.as('alice').openIssue(REPO, { title: 'Crash on start', body: 'see log' });
    await forge.idle();

    assert.equal(receiver.received.length, 1);
    const [{ headers, body }] = receiver.received as [(typeof receiver.received)[0]];
    const id = forge.deliveries()[0]?.id;
    assert.equal(body, JSON.stringify(JSON.parse(body), null, 2));
    assert.equal(JSON.parse(body).issue.number, issue.number);
    const signature = sign(body);
    for (const prefix of ['x-forgejo', 'x-gitea', 'x-gogs']) {
      assert.equal(headers[`${prefix}-delivery`], id);
      assert.equal(headers[`${prefix}-event`], 'issues');
      assert.equal(headers[`${prefix}-event-type`], 'issues');
      assert.equal(headers[`${prefix}-signature`], signature);
    }
    assert.equal(headers['x-hub-signature-256'], `sha256=${signature}`);
    assert.match(String(headers['x-hub-signature']), /^sha1=[0-9a-f]{40}$/);
    assert.equal(headers['x-github-delivery'], id);
    assert.equal(headers['x-github-event'], 'issues');
    assert.equal(headers['x-github-event-type'], 'issues');
    assert.equal(headers['content-type'], 'application/json');
    assert.equal(forge.deliveries()[0]?.status, 'delivered');
  });

  it('names each change with the event and event-type headers of PROTOCOL.md', async () => {
    const alice = forge.as('alice');
    const dev = forge.as('dev');
    const from = forge.deliveries().length;
    const issue = await alice.openIssue(REPO, { title: 'Add a flag', body: '' });
    await alice.comment(REPO, issue.number, '@dev please');
    await alice.assign(REPO, issue.number, 'dev');
    await alice.addLabels(REPO, issue.number, ['bug']);
    await dev.pushCommit(REPO, { branch: 'issue-2-flag', files: { 'flag.txt': 'on\n' } });
    const pull = await dev.openPull(REPO, { head: 'issue-2-flag', title: 'Add the flag', body: 'Closes #2' });
    await dev.comment(REPO, pull.number, 'ready');
    await dev.requestReview(REPO, pull.number, 'alice');
    await alice.submitReview(REPO, pull.number, { event: 'COMMENT', body: 'a question' });
    await alice.submitReview(REPO, pull.number, { event: 'REQUEST_CHANGES', body: 'rename it' });
    await dev.pushCommit(REPO, { branch: 'issue-2-flag', files: { 'flag.txt': 'enabled\n' } });
    await alice.submitReview(REPO, pull.number, { event: 'APPROVED', body: '' });
    await alice.mergePull(REPO, pull.number);
    await alice.deleteBranch(REPO, 'issue-2-flag');
    await forge.idle();

    const seen = forge
      .deliveries()
      .slice(from)
      .map((d) => `${d.event} ${d.eventType} ${String(d.payload.action ?? d.payload.ref)}`);
    assert.deepEqual(seen, [
      'issues issues opened',
      'issue_comment issue_comment created',
      'issues issue_assign assigned',
      'issues issue_label label_updated',
      'create create refs/heads/issue-2-flag',
      'push push refs/heads/issue-2-flag',
      'pull_request pull_request opened',
      'issue_comment pull_request_comment created',
      'pull_request pull_request_review_request review_requested',
      'pull_request_comment pull_request_review_comment reviewed',
      'pull_request_rejected pull_request_review_rejected reviewed',
      'push push refs/heads/issue-2-flag',
      'pull_request pull_request_sync synchronized',
      'pull_request_approved pull_request_review_approved reviewed',
      'pull_request pull_request closed',
      'push push refs/heads/main',
      'delete delete refs/heads/issue-2-flag',
    ]);
  });
});

describe('forge double webhook delivery', () => {
  it('records a delivery the receiver refused as failed and never sends it again', async () => {
    const receiver = await startWebhookReceiver({ answer: 500 });
    const forge = await forgeWithRepo({ webhookUrl: receiver.url });

    await forge.as('alice').openIssue(REPO, { title: 'One', body: '' });
    await forge.idle();

    assert.equal(receiver.received.length, 1);
    assert.deepEqual(
      forge.deliveries().map((d) => [d.status, d.responseStatus]),
      [['failed', 500]],
    );
    await forge.close();
    await receiver.close();
  });

  it('gives up on a receiver that does not answer within the delivery timeout', async () => {
    const receiver = await startWebhookReceiver({ answer: 'never' });
    const forge = await forgeWithRepo({ webhookUrl: receiver.url, webhookTimeoutMs: 100 });

    await forge.as('alice').openIssue(REPO, { title: 'One', body: '' });
    await forge.idle();

    assert.equal(forge.deliveries()[0]?.status, 'failed');
    assert.match(forge.deliveries()[0]?.error ?? '', /TimeoutError/);
    assert.equal(receiver.received.length, 1);
    await forge.close();
    await receiver.close();
  });

  it('records changes without sending them until a webhook URL is set', async () => {
    const receiver = await startWebhookReceiver();
    const forge = await forgeWithRepo();

    await forge.as('alice').openIssue(REPO, { title: 'Before', body: '' });
    forge.setWebhookUrl(receiver.url);
    await forge.as('alice').openIssue(REPO, { title: 'After', body: '' });
    await forge.idle();

    assert.deepEqual(
      forge.deliveries().map((d) => d.status),
      ['not-sent', 'delivered'],
    );
    assert.equal(receiver.received.length, 1);
    await forge.close();
    await receiver.close();
  });

  it('sends the Gitea header set (no x-forgejo copies) and short ref names as Gitea does', async () => {
    const receiver = await startWebhookReceiver();
    const forge = await forgeWithRepo({ webhookUrl: receiver.url, flavour: 'gitea' });

    await forge.as('dev').pushCommit(REPO, { branch: 'topic', files: { 'a.txt': 'a\n' } });
    await forge.as('dev').deleteBranch(REPO, 'topic');
    await forge.idle();

    const deleted = receiver.received.at(-1);
    assert.equal(deleted?.headers['x-gitea-event-type'], 'delete');
    assert.equal(
      Object.keys(deleted?.headers ?? {}).some((name) => name.startsWith('x-forgejo-')),
      false,
    );
    assert.equal(JSON.parse(deleted?.body ?? '{}').ref, 'topic');
    await forge.close();
    await receiver.close();
  });

  it('sends the signature headers empty when the hook has no secret', async () => {
    const receiver = await startWebhookReceiver();
    const forge = await forgeWithRepo({ webhookUrl: receiver.url, webhookSecret: '' });

    await forge.as('alice').openIssue(REPO, { title: 'Unsigned', body: '' });
    await forge.idle();

    const headers = receiver.received[0]?.headers ?? {};
    assert.equal(headers['x-forgejo-signature'], '');
    assert.equal(headers['x-gitea-signature'], '');
    assert.equal(headers['x-hub-signature-256'], 'sha256=');
    await forge.close();
    await receiver.close();
  });
});

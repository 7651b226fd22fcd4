import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deliveryHeaders } from '../../../test/support/payloads.js';
import { readDeliveryHeaders, type DeliveryHeaders, type HeaderMap } from './headers.js';

const HEX = 'a'.repeat(64);

function read(headers: HeaderMap): DeliveryHeaders {
  const result = readDeliveryHeaders(headers);
  assert.ok(result.ok, `expected headers to be read: ${JSON.stringify(result)}`);
  return result.value;
}

describe('readDeliveryHeaders', () => {
  it('recognises Forgejo by its x-forgejo-* headers, though it also sends Gitea and GitHub copies', () => {
    const headers = deliveryHeaders({
      forge: 'forgejo',
      deliveryId: 'd-1',
      event: 'pull_request_approved',
      eventType: 'pull_request_review_approved',
      body: '{}',
      secret: 's',
    });

    const delivery = read(headers);

    assert.equal(delivery.forge, 'forgejo');
    assert.equal(delivery.deliveryId, 'd-1');
    assert.equal(delivery.eventType, 'pull_request_review_approved');
    assert.equal(delivery.event, 'pull_request_approved');
    assert.equal(delivery.signatureHeader, 'x-forgejo-signature');
    assert.match(delivery.signature ?? '', /^[0-9a-f]{64}$/);
  });

  it('recognises Gitea by its x-gitea-* headers and dispatches on the event type, not the event', () => {
    const headers = deliveryHeaders({
      forge: 'gitea',
      deliveryId: 'd-2',
      event: 'issue_comment',
      eventType: 'pull_request_comment',
      body: '{}',
      secret: 's',
    });

    const delivery = read(headers);

    assert.equal(delivery.forge, 'gitea');
    assert.equal(delivery.eventType, 'pull_request_comment');
    assert.equal(delivery.event, 'issue_comment');
    assert.equal(delivery.signatureHeader, 'x-gitea-signature');
  });

  it('recognises GitHub when no Forgejo or Gitea header is present, and strips sha256= from the signature', () => {
    const headers = {
      'x-github-delivery': 'g-1',
      'x-github-event': 'pull_request_review',
      'x-hub-signature-256': `sha256=${HEX}`,
    };

    const delivery = read(headers);

    assert.deepEqual(delivery, {
      forge: 'github',
      deliveryId: 'g-1',
      eventType: 'pull_request_review',
      event: 'pull_request_review',
      signatureHeader: 'x-hub-signature-256',
      signature: HEX,
    });
  });

  describe('for Gitea versions that send no event-type header', () => {
    const cases = [
      { event: 'pull_request_approved', eventType: 'pull_request_review_approved' },
      { event: 'pull_request_rejected', eventType: 'pull_request_review_rejected' },
      { event: 'pull_request_comment', eventType: 'pull_request_review_comment' },
      { event: 'issue_comment', eventType: 'issue_comment' },
      { event: 'issues', eventType: 'issues' },
      { event: 'push', eventType: 'push' },
    ];
    for (const { event, eventType } of cases) {
      it(`derives '${eventType}' from the event header '${event}'`, () => {
        const headers = { 'x-gitea-delivery': 'd', 'x-gitea-event': event, 'x-gitea-signature': HEX };

        assert.equal(read(headers).eventType, eventType);
      });
    }
  });

  it('keeps the signature of an unsigned delivery empty, for the intake to reject', () => {
    const headers = deliveryHeaders({ forge: 'gitea', deliveryId: 'd', event: 'push', body: '{}' });

    assert.equal(read(headers).signature, '');
  });

  it('reports the signature as undefined when the signature header is absent', () => {
    assert.equal(read({ 'x-github-delivery': 'g', 'x-github-event': 'push' }).signature, undefined);
  });

  it('takes header names in any case and the first of repeated values', () => {
    const headers = {
      'X-Gitea-Delivery': ['d-1', 'd-2'],
      'X-Gitea-Event': 'push',
      'X-Gitea-Event-Type': 'push',
      'X-Gitea-Signature': ` ${HEX} `,
    };

    const delivery = read(headers);

    assert.equal(delivery.deliveryId, 'd-1');
    assert.equal(delivery.signature, HEX);
  });

  describe('refuses a delivery it cannot identify', () => {
    const cases: { name: string; headers: HeaderMap; header?: string; message: RegExp }[] = [
      {
        name: 'no forge headers at all',
        headers: { 'content-type': 'application/json' },
        message: /none of the x-forgejo-event, x-gitea-event or x-github-event headers/,
      },
      {
        name: 'a Gogs-only delivery',
        headers: { 'x-gogs-event': 'push', 'x-gogs-delivery': 'd' },
        message: /not a webhook delivery/,
      },
      {
        name: 'Gitea without a delivery id',
        headers: { 'x-gitea-event': 'push', 'x-gitea-event-type': 'push' },
        header: 'x-gitea-delivery',
        message: /x-gitea-delivery header is missing/,
      },
      {
        name: 'Gitea with an empty event',
        headers: { 'x-gitea-delivery': 'd', 'x-gitea-event': '' },
        header: 'x-gitea-event',
        message: /x-gitea-event header is missing or empty/,
      },
      {
        name: 'Forgejo without its event header',
        headers: { 'x-forgejo-delivery': 'd', 'x-gitea-delivery': 'd', 'x-gitea-event': 'push' },
        header: 'x-forgejo-event',
        message: /x-forgejo-event header/,
      },
      {
        name: 'GitHub without a delivery id',
        headers: { 'x-github-event': 'push' },
        header: 'x-github-delivery',
        message: /x-github-delivery header is missing/,
      },
    ];
    for (const { name, headers, header, message } of cases) {
      it(name, () => {
        const result = readDeliveryHeaders(headers);

        assert.ok(!result.ok);
        assert.match(result.error.message, message);
        if (header !== undefined) {
          assert.equal(result.error.kind, 'missing-header');
          assert.equal(result.error.kind === 'missing-header' ? result.error.header : undefined, header);
        }
      });
    }
  });
});

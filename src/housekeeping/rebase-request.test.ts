import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pullRef, REPO } from '../../test/support/events.js';
import { SERVICE_ACTOR } from '../core/events.js';
import { rebaseDelivery, rebaseEvent, type RebaseRequest } from './rebase-request.js';

const request: RebaseRequest = {
  forge: 'forgejo',
  repo: REPO,
  pull: pullRef(12, { headRef: 'issue-9-on-top', baseRef: 'issue-7-fix' }),
  merged: { number: 11, head: 'issue-7-fix', base: 'main' },
};

describe('the request to rebase a stacked PR', () => {
  it('is a PR event by the service saying the PR now targets the merged PR’s base, and which merge moved it', () => {
    const event = rebaseEvent(request);

    assert.equal(event.action, 'retargeted');
    assert.deepEqual(event.actor, SERVICE_ACTOR);
    assert.equal(event.pull.number, 12);
    assert.equal(event.pull.baseRef, 'main');
    assert.deepEqual(event.retargeted, { from: 'issue-7-fix', mergedPull: 11 });
  });

  it('is stored once per merge: the same request has the same delivery id, another merge another one', () => {
    const again = rebaseDelivery(request, 2);
    const later = rebaseDelivery({ ...request, merged: { number: 13, head: 'issue-7-fix', base: 'main' } }, 3);

    assert.equal(rebaseDelivery(request, 1).deliveryId, again.deliveryId);
    assert.notEqual(later.deliveryId, again.deliveryId);
    assert.match(again.deliveryId, /^housekeeping:/);
    assert.equal(again.source, 'poll');
    assert.deepEqual(
      JSON.parse(again.body.toString()),
      again.outcome.kind === 'event' ? JSON.parse(JSON.stringify(again.outcome.event)) : undefined,
    );
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { commented, issueOpened } from '../../../test/support/events.js';
import { makeAgent } from '../../workdir/test-support/fixture.js';
import { silentLogger } from '../../lib/logger.js';
import type { WorkKey } from '../../queue/ports.js';
import { liveFollowUps } from './live-follow-ups.js';

describe('live follow-ups', () => {
  const agents = [makeAgent('dev', 't1'), makeAgent('boss', 't2')];

  function delivered(event: Parameters<typeof commented>) {
    const keys: string[] = [];
    const listener = liveFollowUps({ deliver: async (key: WorkKey) => (keys.push(`${key.agent}:${key.repo}#${key.issue}`), true) }, agents, silentLogger());
    listener({ id: 1, deliveryId: 'd', receivedAt: 0, event: commented(...event) });
    return keys;
  }

  it('offers a new comment to every agent\'s key on that issue', () => {
    assert.deepEqual(delivered([7, 'alice', 'also handle tabs']), ['dev:forge.test/acme/widget#7', 'boss:forge.test/acme/widget#7']);
  });

  it('never sends an agent its own comment', () => {
    assert.deepEqual(delivered([7, 'dev-bot', 'Working on it.']), ['boss:forge.test/acme/widget#7']);
  });

  it('ignores events that are not new comments', () => {
    const keys: WorkKey[] = [];
    const listener = liveFollowUps({ deliver: async (key) => (keys.push(key), true) }, agents, silentLogger());

    listener({ id: 2, deliveryId: 'd', receivedAt: 0, event: issueOpened(8) });

    assert.deepEqual(keys, []);
  });
});

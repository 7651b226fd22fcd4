import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { TEST_SECRET } from '../../test/support/intake-app.js';
import { loadSamplePayload } from '../../test/support/payloads.js';
import { readDeliveryHeaders } from '../forge/webhook/headers.js';
import { systemClock } from '../lib/clock.js';
import { Secret } from '../lib/secret.js';
import { openStore } from '../store/open-store.js';
import { createAcceptDelivery } from './accept-delivery.js';

async function intake() {
  const dataDir = mkdtempSync(join(tmpdir(), 'claude-hooks-accept-'));
  const store = await openStore({ kind: 'sqlite' }, { dataDir, clock: systemClock, dedupWindowMs: 3600_000 });
  const accept = createAcceptDelivery({ secret: new Secret(TEST_SECRET), store: store.deliveries, clock: systemClock });
  return {
    accept,
    async close() {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

describe('acceptDelivery', () => {
  it('takes the headers as its caller already read them, and reads them itself when not handed a reading', async () => {
    const { accept, close } = await intake();
    const sample = loadSamplePayload('gitea-issue_comment-created', { secret: TEST_SECRET, forge: 'forgejo' });
    const again = loadSamplePayload('gitea-issues-opened', { secret: TEST_SECRET, forge: 'forgejo' });

    const handed = await accept({}, sample.body, readDeliveryHeaders(sample.headers));
    const read = await accept(again.headers, again.body);

    assert.equal(handed.kind, 'accepted', JSON.stringify(handed));
    assert.equal(handed.kind === 'accepted' && handed.deliveryId, sample.headers['x-forgejo-delivery']);
    assert.equal(read.kind, 'accepted', JSON.stringify(read));
    await close();
  });

  it('words a rejection from the reading it is handed', async () => {
    const { accept, close } = await intake();
    const sample = loadSamplePayload('gitea-issue_comment-created', { secret: TEST_SECRET, forge: 'forgejo' });
    const unsigned = { ...sample.headers, 'x-forgejo-signature': '', 'x-gitea-signature': '' };

    const outcome = await accept(sample.headers, sample.body, readDeliveryHeaders(unsigned));

    assert.equal(outcome.kind, 'rejected');
    assert.equal(outcome.kind === 'rejected' && outcome.reason, 'unsigned');
    await close();
  });
});

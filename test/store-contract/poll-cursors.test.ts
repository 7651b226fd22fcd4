import assert from 'node:assert/strict';
import { it } from 'node:test';
import { forEachStore } from './stores.js';

forEachStore('the poll cursors', ({ open }) => {
  it('knows no cursor for a repository never polled', async () => {
    const { store } = await open();

    assert.equal(await store.pollCursors.get('forge.test/acme/widget'), undefined);
  });

  it('keeps the latest cursor per repository, whatever the case of its name', async () => {
    const { store } = await open();

    await store.pollCursors.set('forge.test/Acme/Widget', '2026-11-01T10:00:00Z');
    await store.pollCursors.set('forge.test/acme/widget', '2026-11-01T11:00:00Z');
    await store.pollCursors.set('forge.test/acme/other', '2026-11-01T09:00:00Z');

    assert.equal(await store.pollCursors.get('FORGE.test/acme/widget'), '2026-11-01T11:00:00Z');
    assert.equal(await store.pollCursors.get('forge.test/acme/other'), '2026-11-01T09:00:00Z');
  });
});

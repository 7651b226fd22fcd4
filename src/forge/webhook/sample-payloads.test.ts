import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadSamplePayloads, payloadsDir } from '../../../test/support/payloads.js';
import { readDeliveryHeaders } from './headers.js';

describe('the captured sample deliveries (test/support/payloads)', () => {
  it('reads the captures kept in the repository, not a folder beside it', () => {
    assert.match(payloadsDir(), /[/\\]test[/\\]fixtures[/\\]gitea[/\\]payloads$/);
  });

  it('loads every capture with the raw bytes as body and headers a Gitea delivery carries', () => {
    const samples = loadSamplePayloads({ secret: 'sekrit' });

    assert.equal(samples.length, 8);
    for (const sample of samples) {
      const read = readDeliveryHeaders(sample.headers);
      assert.ok(read.ok, sample.name);
      assert.equal(read.value.forge, 'gitea');
      assert.equal(read.value.eventType, sample.eventType);
      assert.equal(read.value.signature, createHmac('sha256', 'sekrit').update(sample.body).digest('hex'), sample.name);
      assert.match(sample.body.toString('utf8'), /^\{\n {2}"/, 'pretty-printed, as the forge sends it');
    }
  });

  it('gives each capture a stable delivery id of its own', () => {
    const ids = loadSamplePayloads().map((sample) => sample.headers['x-gitea-delivery']);

    assert.deepEqual(
      loadSamplePayloads().map((sample) => sample.headers['x-gitea-delivery']),
      ids,
    );
    assert.equal(new Set(ids).size, ids.length);
  });

  it('reads the folder named by CLAUDE_HOOKS_PAYLOADS_DIR instead, when it is set', () => {
    const dir = mkdtempSync(join(tmpdir(), 'claude-hooks-payloads-'));
    writeFileSync(join(dir, 'gitea-issues-opened.json'), '{}');
    const previous = process.env.CLAUDE_HOOKS_PAYLOADS_DIR;
    process.env.CLAUDE_HOOKS_PAYLOADS_DIR = dir;
    try {
      const samples = loadSamplePayloads();

      assert.deepEqual(
        samples.map((sample) => [sample.name, sample.body.toString()]),
        [['gitea-issues-opened', '{}']],
      );
    } finally {
      if (previous === undefined) delete process.env.CLAUDE_HOOKS_PAYLOADS_DIR;
      else process.env.CLAUDE_HOOKS_PAYLOADS_DIR = previous;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { Secret } from '../lib/secret.js';
import { startScriptedModel } from '../../test/support/model/index.js';
import { probeModel } from './model-probe.js';

const model = (baseUrl: string) => ({
  name: 'claude-sonnet-4-5',
  credential: { kind: 'api-key' as const, secret: new Secret('sk-test') },
  baseUrl,
});

describe('the model check of claude-hooks doctor', () => {
  it('passes when the model answers one tiny request', async () => {
    const scripted = await startScriptedModel();
    try {
      const result = await probeModel(model(scripted.url));

      assert.deepEqual(result, { ok: true, detail: 'claude-sonnet-4-5 answered' });
      assert.equal(scripted.requests.length, 1);
    } finally {
      await scripted.close();
    }
  });

  it('fails naming the URL when nothing answers there', async () => {
    const result = await probeModel(model('http://127.0.0.1:1'));

    assert.equal(result.ok, false);
    assert.match(result.detail, /^no answer from http:\/\/127\.0\.0\.1:1/);
    assert.match(result.fix ?? '', /model\.baseUrl/);
  });

  it('fails when no credential is configured', async () => {
    assert.deepEqual(await probeModel(undefined), {
      ok: false,
      detail: 'no model credential is configured',
      fix: 'set model.credential (docs/configuration.md)',
    });
  });
});

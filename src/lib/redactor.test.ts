import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRedactor, urlPasswords } from './redactor.js';
import { Secret } from './secret.js';

describe('createRedactor', () => {
  it('replaces every known secret wherever it appears in the text', () => {
    const redactor = createRedactor(['sk-ant-api03-abcdef', new Secret('forge-token-1234'), undefined]);

    const text = redactor.redact(
      '401 from gateway: invalid x-api-key sk-ant-api03-abcdef (token forge-token-1234, again sk-ant-api03-abcdef)',
    );

    assert.equal(text, '401 from gateway: invalid x-api-key [redacted] (token [redacted], again [redacted])');
  });

  it('replaces a secret that contains another one whole, the longest first', () => {
    const redactor = createRedactor(['token-abcdefgh', 'token-abcdefgh-and-more']);

    assert.equal(redactor.redact('x token-abcdefgh-and-more y token-abcdefgh'), 'x [redacted] y [redacted]');
  });

  it('ignores values shorter than 8 characters, which would redact ordinary words', () => {
    const redactor = createRedactor(['dev', 'short12']);

    assert.equal(redactor.redact('dev pushed short12'), 'dev pushed short12');
  });

  it('finds a secret escaped inside a JSON string and percent-encoded inside a URL', () => {
    const secret = 'pa"ss\\word/with space';
    const redactor = createRedactor([secret]);

    assert.equal(redactor.redact(JSON.stringify({ msg: `failed with ${secret}` })), '{"msg":"failed with [redacted]"}');
    assert.equal(
      redactor.redact(`https://user:${encodeURIComponent(secret)}@gateway/v1`),
      'https://user:[redacted]@gateway/v1',
    );
  });

  it('learns a secret at run time and forgets it when its remover is called', () => {
    const redactor = createRedactor();
    const remove = redactor.add('per-run-token-42');

    assert.equal(redactor.redact('push with per-run-token-42'), 'push with [redacted]');
    remove();
    assert.equal(redactor.redact('push with per-run-token-42'), 'push with per-run-token-42');
  });

  it('keeps a secret added twice until both removers ran, and a remover called twice counts once', () => {
    const redactor = createRedactor(['agent-token-dev']);
    const first = redactor.add('agent-token-dev');

    first();
    first();
    assert.equal(redactor.redact('agent-token-dev'), '[redacted]', 'the one from the configuration still holds it');
  });

  it('leaves text alone when it knows no secret', () => {
    assert.equal(createRedactor().redact('nothing to hide'), 'nothing to hide');
  });
});

describe('urlPasswords', () => {
  it('gives the password of a URL as written and decoded', () => {
    assert.deepEqual(urlPasswords('postgres://hooks:s3cr%40t-pass@db.internal:5432/hooks'), [
      's3cr%40t-pass',
      's3cr@t-pass',
    ]);
    assert.deepEqual(urlPasswords(new Secret('postgres://hooks:plainpassword@db/hooks')), ['plainpassword']);
  });

  it('gives nothing for a URL without a password, or no URL', () => {
    assert.deepEqual(urlPasswords('https://gateway.example/v1'), []);
    assert.deepEqual(urlPasswords('not a url'), []);
    assert.deepEqual(urlPasswords(undefined), []);
  });
});

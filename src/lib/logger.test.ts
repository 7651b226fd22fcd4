import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { buildIntakeApp } from '../../test/support/intake-app.js';
import { loadSamplePayload } from '../../test/support/payloads.js';
import { TEST_SECRET } from '../../test/support/intake-app.js';
import { createLogger } from './logger.js';
import { createRedactor, type Redactor } from './redactor.js';
import { Secret } from './secret.js';

function capture(redactor?: Redactor) {
  const lines: Array<Record<string, unknown>> = [];
  let text = '';
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString('utf8');
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { log: createLogger({ level: 'debug', destination, redactor }), lines, text: () => text };
}

describe('logger', () => {
  it('redacts tokens, secrets, passwords and Authorization headers wherever they are logged', () => {
    const { log, text } = capture();

    log.info(
      {
        token: 'tok-1',
        headers: { authorization: 'token tok-2' },
        payload: { secret: 'tok-3', hook: { secret: 'tok-4' } },
        config: { adminToken: new Secret('tok-5') },
      },
      'something',
    );

    assert.doesNotMatch(text(), /tok-\d/);
    assert.match(text(), /\[redacted\]/);
  });

  it('replaces every secret value the redactor knows, whatever field, message or nesting carries it', () => {
    const apiKey = 'sk-ant-api03-very-secret';
    const { log, text } = capture(createRedactor([apiKey, 'db-password-123']));

    log.child({ module: 'agent' }).error(
      {
        err: new Error(`gateway answered 401: invalid x-api-key ${apiKey}`),
        upstream: { request: { note: `key=${apiKey}` } },
        url: 'postgres://hooks:db-password-123@db/hooks',
      },
      `run failed: ${apiKey}`,
    );

    assert.doesNotMatch(text(), /very-secret|db-password-123/);
    assert.equal(text().match(/\[redacted\]/g)?.length, 5, text());
  });

  it('redacts a secret learnt at run time until it is dropped', () => {
    const redactor = createRedactor();
    const { log, lines } = capture(redactor);
    const drop = redactor.add('run-token-abcdef');

    log.info({ env: { GIT_TOKEN_FOR_RUN: 'run-token-abcdef' } }, 'run started');
    drop();
    log.info('after the run: run-token-abcdef is only a string now');

    assert.deepEqual(
      lines.map((line) => [line.msg, line.env]),
      [
        ['run started', { GIT_TOKEN_FOR_RUN: '[redacted]' }],
        ['after the run: run-token-abcdef is only a string now', undefined],
      ],
    );
  });

  it('logs each delivery through a child logger carrying its id, forge, event and repository', async () => {
    const { log, lines } = capture();
    const intake = await buildIntakeApp({ log });
    const sample = loadSamplePayload('gitea-issue_comment-created', { secret: TEST_SECRET, forge: 'forgejo' });

    await intake.app.inject({ method: 'POST', url: '/webhook', headers: sample.headers, payload: sample.body });
    await intake.close();
    await new Promise((resolve) => setImmediate(resolve));

    const line = lines.find((l) => l.msg === 'delivery accepted');
    assert.ok(line, 'an accepted delivery is logged');
    assert.equal(line.delivery, sample.headers['x-forgejo-delivery']);
    assert.equal(line.forge, 'forgejo');
    assert.equal(line.event, 'comment');
    assert.equal(line.repo, 'gogits/hello-world');
    assert.ok(!JSON.stringify(lines).includes(TEST_SECRET));
  });
});

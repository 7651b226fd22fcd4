import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { loadConfig } from '../config/load-config.js';
import type { Config } from '../config/types.js';
import { serviceLogging } from './service-logging.js';

const SECRETS = {
  DEV_FORGE_TOKEN: 'dev-forge-token-0001',
  ANTHROPIC_API_KEY: 'sk-ant-api03-model-key',
  CLAUDE_HOOKS_ADMIN_TOKEN: 'admin-token-0002',
  CLAUDE_HOOKS_WEBHOOK_SECRET: 'webhook-secret-0003',
  SERVICE_FORGE_TOKEN: 'service-forge-token-0004',
  METRICS_TOKEN: 'metrics-token-0005',
  DATABASE_URL: 'postgres://hooks:db-password-0006@db.internal:5432/hooks',
};

function configWithEverySecret(): Config {
  const dir = mkdtempSync(join(tmpdir(), 'claude-hooks-serve-'));
  writeFileSync(join(dir, 'skill.md'), 'skill');
  writeFileSync(
    join(dir, 'claude-hooks.yaml'),
    [
      'server: { metricsToken: { env: METRICS_TOKEN } }',
      'store: { postgres: { url: { env: DATABASE_URL } } }',
      'model: { name: claude-sonnet-4-5, credential: { env: ANTHROPIC_API_KEY } }',
      'forge: { url: "https://forge.example.com", serviceToken: { env: SERVICE_FORGE_TOKEN } }',
      'agents:',
      '  dev: { login: dev, token: { env: DEV_FORGE_TOKEN }, git: { name: Dev, email: dev@example.com }, skill: skill.md, worktree: issue-branch, triggers: [{ on: assigned }] }',
    ].join('\n'),
  );
  const loaded = loadConfig({ env: SECRETS, cwd: dir });
  assert.ok(loaded.ok, JSON.stringify(!loaded.ok && loaded.error));
  return loaded.value;
}

describe('serviceLogging', () => {
  it('makes a logger that writes none of the configured secrets, whatever carries them', () => {
    let text = '';
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        text += chunk.toString('utf8');
        done();
      },
    });
    const { log } = serviceLogging(configWithEverySecret(), destination);

    log.error(
      {
        err: new Error(`gateway said: invalid x-api-key ${SECRETS.ANTHROPIC_API_KEY}`),
        seen: Object.values(SECRETS).join(' '),
      },
      `failed with ${SECRETS.CLAUDE_HOOKS_ADMIN_TOKEN}`,
    );

    for (const [name, value] of Object.entries(SECRETS)) {
      const secret = name === 'DATABASE_URL' ? 'db-password-0006' : value;
      assert.ok(!text.includes(secret), `${name} leaked: ${text}`);
    }
    assert.match(text, /postgres:\/\/hooks:\[redacted\]@db\.internal:5432\/hooks/);
  });

  it('gives the redactor to the service, so it can redact what it learns later', () => {
    const { redactor } = serviceLogging(configWithEverySecret());

    const drop = redactor.add('generated-webhook-secret');

    assert.equal(redactor.redact(`dev-forge-token-0001 generated-webhook-secret`), '[redacted] [redacted]');
    drop();
  });
});

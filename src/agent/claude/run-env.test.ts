import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runEnv, type RunEnvOptions } from './run-env.js';

const options: RunEnvOptions = {
  base: {
    PATH: '/usr/bin',
    HOME: '/home/service',
    CLAUDE_HOOKS_ADMIN_TOKEN: 'admin-secret',
    HTTPS_PROXY: 'http://operator-proxy:3128',
  },
  identity: { GIT_AUTHOR_NAME: 'dev' },
  enclosure: { ANTHROPIC_BASE_URL: 'http://127.0.0.1:41741', ANTHROPIC_API_KEY: 'run-token' },
  configDir: '/data/claude/sessions/dev-1',
};

describe('the environment of a run', () => {
  it("takes the basics from the service, the enclosure's routing and the session's folder, and no other variable of the service", () => {
    const env = runEnv(options);

    assert.equal(env.PATH, '/usr/bin');
    assert.equal(env.ANTHROPIC_API_KEY, 'run-token');
    assert.equal(env.CLAUDE_CONFIG_DIR, '/data/claude/sessions/dev-1');
    assert.equal(env.CLAUDE_HOOKS_ADMIN_TOKEN, undefined);
    assert.equal(env.HTTPS_PROXY, undefined);
  });

  it("caps the runtime's own retries of a failed model request with maxRetries (CLAUDE_CODE_MAX_RETRIES)", () => {
    const table: { maxRetries: number | undefined; expected: string | undefined }[] = [
      { maxRetries: 2, expected: '2' },
      { maxRetries: 0, expected: '0' },
      { maxRetries: -1, expected: '0' },
      // Unset: the runtime's default (10 retries over about 3 minutes).
      { maxRetries: undefined, expected: undefined },
    ];

    for (const { maxRetries, expected } of table)
      assert.equal(runEnv({ ...options, maxRetries }).CLAUDE_CODE_MAX_RETRIES, expected, String(maxRetries));
  });
});

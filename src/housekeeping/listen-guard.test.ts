import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Secret } from '../lib/secret.js';
import { loopbackOrToken } from './listen-guard.js';

describe('the listen guard', () => {
  const cases = [
    { host: '127.0.0.1', token: false, refused: false },
    { host: '::1', token: false, refused: false },
    { host: 'localhost', token: false, refused: false },
    { host: '0.0.0.0', token: false, refused: true },
    { host: '192.168.1.5', token: false, refused: true },
    { host: '::', token: false, refused: true },
    { host: '0.0.0.0', token: true, refused: false },
  ];
  for (const c of cases) {
    it(`${c.refused ? 'refuses' : 'allows'} listening on ${c.host} ${c.token ? 'with' : 'without'} an admin token`, () => {
      const config = { server: { host: c.host } as never, adminToken: c.token ? new Secret('t') : undefined };

      const check = () => loopbackOrToken(config);

      if (c.refused) assert.throws(check, /refusing to listen on .* without an admin token.*CLAUDE_HOOKS_ADMIN_TOKEN/);
      else assert.doesNotThrow(check);
    });
  }
});

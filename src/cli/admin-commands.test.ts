import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from './run-cli.js';

describe('admin commands with store: postgres', () => {
  it('never write to the shared database themselves: they ask a running worker, and say so when none answers', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'claude-hooks-admin-pg-'));
    writeFileSync(
      join(cwd, 'claude-hooks.yaml'),
      'server: { port: 1 }\nstore: { postgres: { url: { env: DATABASE_URL } } }\n',
    );
    let stderr = '';
    const io = {
      stdout: { write: () => true },
      stderr: { write: (t: string) => (stderr += t) },
      env: { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', CLAUDE_HOOKS_ADMIN_TOKEN: 'token' },
      cwd,
    };

    const status = await runCli(['pause', '--reason', 'maintenance'], io);

    assert.equal(status, 1);
    assert.match(
      stderr,
      /the store is PostgreSQL \(other workers may share it\), so this goes through a running worker's admin API/,
    );
    assert.match(
      stderr,
      /with store: postgres, admin actions need a running worker, but its API at http:\/\/127\.0\.0\.1:1 did not answer/,
    );
    assert.equal(existsSync(join(cwd, 'data', 'service.pid')), false, 'the data dir was not locked for a direct write');
  });
});

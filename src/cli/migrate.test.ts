import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { commented } from '../../test/support/events.js';
import {
  createSchema,
  dropSchema,
  freshSchemaName,
  postgresSkip,
  queryIn,
  urlInSchema,
} from '../../test/support/postgres.js';
import { systemClock } from '../lib/clock.js';
import { lockDataDir } from '../lib/data-dir-lock.js';
import { openStore } from '../store/open-store.js';
import { runCli } from './run-cli.js';

/** `claude-hooks <args>` in-process, in `cwd`, with only `env` set; its output captured. */
async function cli(args: readonly string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  let stdout = '';
  let stderr = '';
  const cwd = options.cwd ?? mkdtempSync(join(tmpdir(), 'claude-hooks-migrate-'));
  const status = await runCli(args, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    env: options.env ?? {},
    cwd,
  });
  return { status, stdout, stderr };
}

/** A folder with a SQLite data dir holding one accepted delivery. */
async function sqliteFolder(): Promise<string> {
  const cwd = mkdtempSync(join(tmpdir(), 'claude-hooks-migrate-'));
  const store = await openStore(
    { kind: 'sqlite' },
    { dataDir: join(cwd, 'data'), clock: systemClock, dedupWindowMs: 0 },
  );
  const event = commented(3, 'alice', '@dev hello');
  await store.deliveries.record({
    deliveryId: 'd-1',
    source: 'webhook',
    forge: 'forgejo',
    eventType: 'issue_comment',
    receivedAt: 1,
    headers: {},
    body: Buffer.from(JSON.stringify(event)),
    outcome: { kind: 'event', event },
  });
  await store.close();
  return cwd;
}

describe('claude-hooks migrate', () => {
  it('says the SQLite store migrates itself at start, and does nothing', async () => {
    const result = await cli(['migrate']);

    assert.equal(result.status, 0, result.stderr);
    assert.match(
      result.stdout,
      /the store is SQLite .*: it migrates itself when the service starts \(schema version \d+\); nothing to do/,
    );
  });

  it('refuses to copy a SQLite data dir a running service holds, naming its pid', async () => {
    const cwd = await sqliteFolder();
    const lock = lockDataDir(join(cwd, 'data'));

    try {
      const result = await cli(['migrate', '--from', 'sqlite:./data'], {
        cwd,
        env: { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' },
      });

      assert.equal(result.status, 1);
      assert.match(
        result.stderr,
        new RegExp(
          `refusing to copy .*data: a claude-hooks service \\(pid ${process.pid}\\) holds it and is still writing to it; stop it first`,
        ),
      );
    } finally {
      lock.release();
    }
  });

  const refusals: ReadonlyArray<[string, string[], Record<string, string>, number, RegExp]> = [
    [
      'a --from that is not sqlite:<dir>',
      ['--from', './data'],
      { DATABASE_URL: 'postgres://x' },
      2,
      /--from must be sqlite:<data dir>/,
    ],
    ['no PostgreSQL to copy to', ['--from', 'sqlite:./data'], {}, 1, /nowhere to copy to: set DATABASE_URL/],
  ];
  for (const [what, args, env, status, message] of refusals) {
    it(`refuses ${what}`, async () => {
      const result = await cli(['migrate', ...args], { env });

      assert.equal(result.status, status);
      assert.match(result.stderr, message);
    });
  }

  it('names an unset database URL of a configured PostgreSQL store', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'claude-hooks-migrate-'));
    writeFileSync(join(cwd, 'claude-hooks.yaml'), 'store: { postgres: { url: { env: DATABASE_URL } } }\n');

    const result = await cli(['migrate'], { cwd });

    assert.equal(result.status, 1);
    assert.match(
      result.stderr,
      /store\.postgres\.url \(claude-hooks\.yaml:1:\d+\): environment variable DATABASE_URL is not set/,
    );
  });
});

describe('claude-hooks migrate on PostgreSQL', { skip: postgresSkip() }, () => {
  const schemas: string[] = [];
  after(async () => {
    for (const schema of schemas) await dropSchema(schema);
  });

  it('applies the schema and prints its version, then finds it up to date', async () => {
    const schema = freshSchemaName('migrate');
    schemas.push(schema);
    await createSchema(schema);
    const cwd = mkdtempSync(join(tmpdir(), 'claude-hooks-migrate-'));
    writeFileSync(join(cwd, 'claude-hooks.yaml'), 'store: { postgres: { url: { env: DATABASE_URL } } }\n');
    const env = { DATABASE_URL: urlInSchema(schema) };

    const first = await cli(['migrate'], { cwd, env });
    const second = await cli(['migrate'], { cwd, env });

    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /^PostgreSQL at .*: schema version \d+ \(applied 1[,)0-9 ]*/);
    assert.match(second.stdout, /schema version \d+ \(already up to date\)/);
    assert.doesNotMatch(first.stdout + second.stdout, /password|postgres@.*:.*@/);
  });

  it('copies a stopped SQLite installation into DATABASE_URL, printing the rows of each table, and refuses a second time', async () => {
    const schema = freshSchemaName('migrate');
    schemas.push(schema);
    await createSchema(schema);
    const cwd = await sqliteFolder();
    const env = { DATABASE_URL: urlInSchema(schema) };

    const first = await cli(['migrate', '--from', 'sqlite:./data'], { cwd, env });
    const again = await cli(['migrate', '--from', 'sqlite:./data'], { cwd, env });

    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /^ {2}deliveries +1$/m);
    assert.match(first.stdout, /^ {2}events +1$/m);
    assert.match(first.stdout, /next: set store: \{ postgres: .* in the configuration and start the service/);
    const [row] = await queryIn<{ delivery_id: string }>(schema, 'SELECT delivery_id FROM deliveries');
    assert.equal(row?.delivery_id, 'd-1');
    assert.equal(again.status, 1);
    assert.match(
      again.stderr,
      /refusing to copy .*: the PostgreSQL database already holds 1 deliveries and 0 jobs: an import goes into an empty database only/,
    );
  });
});

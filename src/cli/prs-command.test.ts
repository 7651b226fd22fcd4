import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { WATCHED_HEAD, watchedPull } from '../../test/support/watched-pull.js';
import { systemClock } from '../lib/clock.js';
import type { CheckRecord } from '../pulls/ports.js';
import type { PullView } from '../pulls/pull-view.js';
import { openStore } from '../store/open-store.js';
import { runCli } from './run-cli.js';

const failed: CheckRecord = {
  context: 'ci/build',
  state: 'failure',
  source: 'status',
  targetUrl: '',
  description: '',
  at: 0,
};

/**
 * A folder with a configuration (a cap of 2 fix attempts), and a data dir holding three watched
 * pull requests — one failing, its attempts used up, one waiting for its checks, one merged — but
 * no service.
 */
async function seededFolder(): Promise<string> {
  const cwd = mkdtempSync(join(tmpdir(), 'claude-hooks-prs-cli-'));
  writeFileSync(join(cwd, 'claude-hooks.yaml'), 'server: { port: 1 }\npulls: { fixAttempts: 2 }\n');
  const store = await openStore(
    { kind: 'sqlite' },
    { dataDir: join(cwd, 'data'), clock: systemClock, dedupWindowMs: 0 },
  );
  await store.pulls.saveWatched(
    watchedPull(12, {
      // A title that would move the terminal's cursor and colour what follows, were it printed raw.
      title: 'Red \u001b[31malert\u001b[0m',
      checks: [failed],
      attempts: 2,
      capped: true,
      reruns: [{ sha: WATCHED_HEAD, context: 'ci/e2e', run: 7, at: 1 }],
      flaky: ['ci/e2e'],
      waitingOn: 'a person: its fix attempts are used up',
      updatedAt: 3_000,
    }),
  );
  await store.pulls.saveWatched(watchedPull(14, { waitingOn: 'checks to report', updatedAt: 2_000 }));
  await store.pulls.saveWatched(
    watchedPull(13, {
      state: 'merged',
      merge: { kind: 'merged', at: 4_000 },
      waitingOn: 'nothing: merged',
      updatedAt: 4_000,
    }),
  );
  await store.close();
  return cwd;
}

async function cli(cwd: string, args: readonly string[]) {
  let stdout = '';
  let stderr = '';
  const status = await runCli(args, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    env: {},
    cwd,
  });
  return { status, stdout, stderr };
}

describe('claude-hooks prs', () => {
  let cwd: string;

  before(async () => {
    cwd = await seededFolder();
  });

  it('lists the open pull requests: checks, attempts used of the cap, reruns, flaky checks, what each waits on', async () => {
    const listed = await cli(cwd, ['prs']);

    assert.equal(listed.status, 0, listed.stderr);
    const lines = listed.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 3);
    assert.match(
      lines[0]!,
      /^PR\s+STATE\s+AGENT\s+HEAD\s+CHECKS\s+ATTEMPTS\s+RERUNS\s+FLAKY\s+MERGE\s+WAITS ON\s+TITLE$/,
    );
    assert.match(
      lines[1]!,
      /^acme\/widget#12\s+open\s+dev \(#11\)\s+issue-11@aaaaaaaaaa\s+failure: ci\/build\s+2 of 2, used up\s+1\s+ci\/e2e\s+by a person\s+a person: its fix attempts are used up\s+/,
    );
    assert.match(
      lines[2]!,
      /^acme\/widget#14\s+open\s+.*\s+none\s+0 of 2\s+0\s+-\s+by a person\s+checks to report\s+Fix issue 13$/,
    );
  });

  it('prints untrusted titles with their control characters escaped', async () => {
    const listed = await cli(cwd, ['prs']);

    assert.ok(!listed.stdout.includes('\u001b'), 'no escape character reaches the terminal');
    assert.match(listed.stdout, /Red \\u001b\[31malert\\u001b\[0m$/m);
  });

  it('adds the merged and closed ones with --all, and prints JSON with --json', async () => {
    const all = await cli(cwd, ['prs', '--all']);
    const json = await cli(cwd, ['prs', '--all', '--json']);

    assert.match(all.stdout, /^acme\/widget#13\s+merged\s+.*\s+merged\s+nothing: merged\s+Fix issue 12$/m);
    const views = JSON.parse(json.stdout) as PullView[];
    assert.deepEqual(
      views.map((v) => [v.number, v.state, v.attempts, v.cap]),
      [
        [12, 'open', '2 of 2, used up', 2],
        [14, 'open', '0 of 2', 2],
        [13, 'merged', '0 of 2', 2],
      ],
    );
    assert.deepEqual(views[0]?.failing, ['ci/build']);
  });

  it('is in the help, and refuses an argument it does not take', async () => {
    const help = await cli(cwd, ['help']);
    const own = await cli(cwd, ['prs', '--help']);
    const stray = await cli(cwd, ['prs', 'acme/widget#12']);

    assert.match(help.stdout, /^ {2}prs +the pull requests seen through to the merge/m);
    assert.match(own.stdout, /^usage: claude-hooks prs \[--all\] \[--json\]/);
    assert.match(own.stdout, /pulls\.fixAttempts is the cap/);
    assert.deepEqual([stray.status, /unexpected argument: acme\/widget#12/.test(stray.stderr)], [2, true]);
  });

  it('says there is no store yet rather than making one', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'claude-hooks-prs-cli-empty-'));
    writeFileSync(join(empty, 'claude-hooks.yaml'), 'server: { port: 1 }\n');

    const listed = await cli(empty, ['prs']);

    assert.equal(listed.status, 1);
    assert.match(listed.stderr, /^no claude-hooks data dir at .*: start the service once with this configuration/);
  });
});

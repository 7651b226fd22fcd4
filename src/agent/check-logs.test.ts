import assert from 'node:assert/strict';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pullRef, REPO } from '../../test/support/events.js';
import { silentLogger } from '../lib/logger.js';
import type { RunRequest } from '../queue/ports.js';
import { checksFailedEvent } from '../watch/watch-events.js';
import { checkLogPlacer } from './check-logs.js';

function scene() {
  const root = mkdtempSync(join(tmpdir(), 'check-logs-'));
  const worktree = join(root, 'worktree');
  const commonDir = join(root, 'cache.git');
  const outside = join(root, 'outside');
  for (const dir of [worktree, commonDir, outside]) mkdirSync(dir);
  const pull = pullRef(5, { headRef: 'issue-1-fix' });
  const event = checksFailedEvent('forgejo', REPO, pull, {
    sha: pull.headSha,
    attempt: 1,
    cap: 3,
    failed: [
      {
        context: 'ci',
        targetUrl: '',
        description: '',
        jobs: [{ id: 42, run: 3, name: 'test', url: '', logTail: '', omitted: 0 }],
      },
    ],
  });
  const request = {
    jobId: 1,
    repo: REPO,
    events: [{ id: 1, deliveryId: 'd', receivedAt: 0, event }],
  } as unknown as RunRequest;
  const placer = checkLogPlacer({
    reader: { jobLogTail: async () => ({ text: 'FAIL token=s3cret', omitted: 10 }) },
    maxBytes: 1000,
    redact: (text) => text.replace('s3cret', '[redacted]'),
    log: silentLogger(),
  });
  return { worktree, commonDir, outside, request, placer };
}

describe('the failing jobs’ logs in the worktree', () => {
  it('writes each log, redacted, and keeps the directory out of git', async () => {
    const { worktree, commonDir, request, placer } = scene();
    await placer(request, worktree, { adminDir: commonDir, commonDir });
    const log = readFileSync(join(worktree, '.claude-hooks/checks/42.log'), 'utf8');
    assert.match(log, /first 10 bytes of this log are left out/);
    assert.match(log, /FAIL token=\[redacted\]/);
    assert.match(readFileSync(join(commonDir, 'info/exclude'), 'utf8'), /^\/\.claude-hooks\/$/m);
  });

  it('never writes through a link the agent left in the directory’s place', async () => {
    const { worktree, commonDir, outside, request, placer } = scene();
    symlinkSync(outside, join(worktree, '.claude-hooks'));
    await placer(request, worktree, { adminDir: commonDir, commonDir });
    assert.deepEqual(readdirSync(outside), [], 'nothing was written outside the worktree');
    assert.ok(lstatSync(join(worktree, '.claude-hooks')).isDirectory());
    assert.ok(existsSync(join(worktree, '.claude-hooks/checks/42.log')));
  });

  it('never writes through a link the agent left in a log’s place', async () => {
    const { worktree, commonDir, outside, request, placer } = scene();
    mkdirSync(join(worktree, '.claude-hooks/checks'), { recursive: true });
    writeFileSync(join(outside, 'victim'), 'keep');
    symlinkSync(join(outside, 'victim'), join(worktree, '.claude-hooks/checks/42.log'));
    await placer(request, worktree, { adminDir: commonDir, commonDir });
    assert.equal(readFileSync(join(outside, 'victim'), 'utf8'), 'keep');
  });
});

/**
 * A second service process for crash and concurrency tests: runs one `acquire` on a shared data
 * dir and prints the outcome as a JSON line. Its arguments come in WORKDIR_CHILD (JSON, never
 * argv: they hold a token). It says `ready` and waits for a line on stdin before acquiring, and,
 * when `pauseBefore` names a git command, says `paused` before running it and waits again — so
 * the test can arm a gate on the forge and then SIGKILL this process group mid-command.
 */
import { createInterface } from 'node:readline';
import { silentLogger } from '../../../src/lib/logger.js';
import { systemClock } from '../../../src/lib/clock.js';
import { createWorkdirs } from '../../../src/workdir/index.js';
import { createGitRunner, type GitRunner } from '../../../src/workdir/run-git.js';
import type { AcquireTarget, RepoSpec } from '../../../src/workdir/types.js';
import { makeAgent } from './fixture.js';

export interface ChildArgs {
  readonly dataDir: string;
  readonly env: Record<string, string>;
  readonly repo: RepoSpec;
  readonly agent: string;
  readonly token: string;
  readonly target: AcquireTarget;
  /** `worktree` or `fetch`: pause before the first such git command. */
  readonly pauseBefore?: string;
}

const args = JSON.parse(process.env.WORKDIR_CHILD ?? '{}') as ChildArgs;
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const nextLine = async () => {
  await lines.next();
};
const say = (what: unknown) => process.stdout.write(`${JSON.stringify(what)}\n`);

const real = createGitRunner({ env: args.env });
let paused = false;
const git: GitRunner = {
  isRunningIn: real.isRunningIn,
  async run(gitArgs, options) {
    if (!paused && gitArgs[0] === args.pauseBefore) {
      paused = true;
      say('paused');
      await nextLine();
    }
    return real.run(gitArgs, options);
  },
};

const workdirs = createWorkdirs({
  dataDir: args.dataDir,
  minFreeBytes: 0,
  env: args.env,
  log: silentLogger(),
  clock: systemClock,
  staleLockMs: 2000,
  git,
});
say('ready');
await nextLine();
const result = await workdirs.acquire({
  repo: args.repo,
  agent: makeAgent(args.agent, args.token),
  target: args.target,
});
say(result.ok ? { ok: true, path: result.value.path, head: result.value.head, sync: result.value.sync } : result);
if (result.ok) await result.value.release();
process.exit(0);

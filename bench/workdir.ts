/**
 * Workdir benchmark (docs/decisions.md §5): what a job pays to get a working copy, per-task clones against a
 * cached partial clone with persistent worktrees, on a generated mid-sized repository (~3,000
 * files, ~10,000 commits, ~100 MB pack; see workdir/generate-repo.ts) served by the real
 * `git http-backend` on loopback with token auth. Every figure is measured in this run, with its
 * baseline and ratio; timings are medians.
 *
 * Baselines: a fresh full clone, `--filter=blob:none` clone and `--depth=1` clone (what a
 * per-task design pays every time) and `git ls-remote` (the network floor: one authenticated
 * round trip, below which no fetch can go).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { AgentConfig } from '../src/config/types.js';
import { systemClock } from '../src/lib/clock.js';
import { silentLogger } from '../src/lib/logger.js';
import { benchAgent } from './lib/bench-agent.js';
import { ensureCredentialHelper, leaseEnvironment } from '../src/workdir/auth.js';
import {
  createKnownHeads,
  createWorkdirs,
  type AcquireTarget,
  type Lease,
  type RepoSpec,
  type Workdirs,
} from '../src/workdir/index.js';
import { createGitRunner, type GitRunner } from '../src/workdir/run-git.js';
import { startGitHttpServer } from '../test/support/git-http-backend.js';
import { measureLoad } from './lib/machine-load.js';
import { writeReport } from './lib/report.js';
import { measureHeads } from './workdir/heads.js';
import { ensureBenchRepo, MID_SIZED } from './workdir/generate-repo.js';
import { diskBytes, gitAsync, gitSync, median, moveBranch, timed, walkBytesSync } from './workdir/measure.js';

const CLONE_RUNS = 3;
const FAST_RUNS = 10;
const WORKTREES = 10;
const HEAD_ROUNDS = 15;

/** A runner that remembers how long each git command took, to split the first acquire. */
function recording(): GitRunner & { log: Array<{ command: string; ms: number }> } {
  const real = createGitRunner({ env: { PATH: process.env.PATH } });
  const log: Array<{ command: string; ms: number }> = [];
  return {
    log,
    isRunningIn: real.isRunningIn,
    async run(args, options) {
      const started = performance.now();
      try {
        return await real.run(args, options);
      } finally {
        log.push({ command: args.slice(0, 2).join(' '), ms: performance.now() - started });
      }
    },
  };
}

async function acquired(workdirs: Workdirs, repo: RepoSpec, dev: AgentConfig, target: AcquireTarget): Promise<Lease> {
  const result = await workdirs.acquire({ repo, agent: dev, target });
  if (!result.ok) throw new Error(`acquire failed: ${result.error.message}`);
  return result.value;
}

export async function run(): Promise<void> {
  const say = (line: string) => console.log(`  [workdir] ${line}`);
  const forgeRoot = join(import.meta.dirname, '.cache', 'workdir');
  const bare = await ensureBenchRepo(forgeRoot, MID_SIZED, say);
  const packBytes = await diskBytes(join(bare, 'objects', 'pack'));
  const token = `bench-${Math.random().toString(36).slice(2)}`;
  const server = await startGitHttpServer({
    projectRoot: forgeRoot,
    authorize: ({ token: offered }) => offered === token,
  });
  let requests = 0;
  server.server.prependListener('request', () => {
    requests++;
  });
  const work = mkdtempSync(join(tmpdir(), 'claude-hooks-bench-workdir-'));
  try {
    const url = `${server.url}/bench/project.git`;
    const repo: RepoSpec = {
      host: new URL(server.url).host,
      owner: 'bench',
      name: 'project',
      cloneUrl: url,
      defaultBranch: 'main',
    };
    const dev = benchAgent(token);
    const home = join(work, 'home');
    mkdirSync(home);
    // The per-task baselines authenticate exactly as the workdirs do: the same helper and env.
    const helper = await ensureCredentialHelper(join(work, 'bin'));
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: home,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      ...leaseEnvironment({ helperPath: helper, agent: dev, cloneUrl: url }),
    };
    const clones = join(work, 'clones');
    const clone = (label: string, flags: readonly string[]) => async (i: number) => {
      await gitAsync(work, ['clone', '--quiet', ...flags, url, join(clones, `${label}-${i}`)], env);
    };

    say('baselines: ls-remote and fresh clones');
    const lsRemote = await timed(FAST_RUNS, () => gitAsync(work, ['ls-remote', url], env));
    const fullClone = await timed(CLONE_RUNS, clone('full', []));
    const fullCloneBytes = await diskBytes(join(clones, 'full-0'));
    const blobless = await timed(CLONE_RUNS, clone('blobless', ['--filter=blob:none']));
    const shallow = await timed(CLONE_RUNS, clone('shallow', ['--depth=1']));
    // The same, with the parallel checkout the caches use: so the comparison is not only that.
    const shallowParallel = await timed(
      CLONE_RUNS,
      clone('shallow-parallel', ['--depth=1', '--config', 'checkout.workers=0']),
    );
    const bloblessGitBytes = await diskBytes(join(clones, 'blobless-0', '.git'));
    const shallowGitBytes = await diskBytes(join(clones, 'shallow-0', '.git'));
    // The clones stay until the end: deleting 1.5 GB mid-run (ext4 with online discard) slows the
    // file writes measured next.

    say('workdirs: cache, worktrees, re-dispatch');
    const git = recording();
    // Used only once the forge has told of a push (the known-heads section below): until then every
    // acquire fetches, as the figures before it measure.
    const heads = createKnownHeads({ clock: systemClock, maxAgeMs: 300_000 });
    const workdirs = createWorkdirs({
      dataDir: join(work, 'data'),
      minFreeBytes: 0,
      env: { PATH: process.env.PATH },
      log: silentLogger(),
      clock: systemClock,
      git,
      knownHeads: heads,
    });
    const firstStarted = performance.now();
    const first = await acquired(workdirs, repo, dev, { kind: 'issue-branch', branch: 'bench-0' });
    const firstAcquire = performance.now() - firstStarted;
    await first.release();
    const firstWorktreeCommand = git.log.findIndex((entry) => entry.command.startsWith('worktree'));
    const cacheCreation = git.log.slice(0, firstWorktreeCommand).reduce((sum, entry) => sum + entry.ms, 0);
    const firstWorktree = firstAcquire - cacheCreation;

    const newWorktree = await timed(5, async (i) =>
      (await acquired(workdirs, repo, dev, { kind: 'issue-branch', branch: `bench-${i + 1}` })).release(),
    );
    for (let i = 6; i < WORKTREES; i++)
      await (await acquired(workdirs, repo, dev, { kind: 'issue-branch', branch: `bench-${i}` })).release();

    // Re-dispatch of a job whose branch is on the forge (the agent pushed it): fetch, then reuse.
    const pushed = await acquired(workdirs, repo, dev, { kind: 'issue-branch', branch: 'bench-1' });
    await gitAsync(pushed.path, ['push', '--quiet', 'origin', 'HEAD'], { ...env, ...pushed.env });
    await pushed.release();
    // Its ls-remote baseline is timed between its runs: the load two cores share moves both alike.
    const lsRemoteBetween: number[] = [];
    const redispatch = await timed(
      FAST_RUNS,
      async () => (await acquired(workdirs, repo, dev, { kind: 'issue-branch', branch: 'bench-1' })).release(),
      async () => lsRemoteBetween.push(await timed(1, () => gitAsync(work, ['ls-remote', url], env))),
    );
    const lsRemoteAtRedispatch = median(lsRemoteBetween);
    const fastForward = await timed(
      5,
      async () => (await acquired(workdirs, repo, dev, { kind: 'issue-branch', branch: 'bench-1' })).release(),
      (i) => void moveBranch(bare, 'bench-1', 'fast-forward', i),
    );
    const forcePushed = await timed(
      5,
      async () => {
        const lease = await acquired(workdirs, repo, dev, { kind: 'issue-branch', branch: 'bench-1' });
        if (lease.sync.kind !== 'reset') throw new Error(`expected a reset after a force-push, got ${lease.sync.kind}`);
        await lease.release();
      },
      (i) => void moveBranch(bare, 'bench-1', 'force', 100 + i),
    );

    say('re-dispatch with known heads and with unknown ones, against ls-remote in the same rounds');
    const loadBefore = loadavg()[0] ?? Number.NaN;
    const load = measureLoad();
    const known = await measureHeads({
      workdirs,
      heads,
      git,
      repo,
      agent: dev,
      branch: 'bench-1',
      defaultHead: gitSync(bare, ['rev-parse', 'refs/heads/main']),
      lsRemote: () => gitAsync(work, ['ls-remote', url], env),
      requests: () => requests,
      rounds: HEAD_ROUNDS,
    });
    const headsLoad = load.end();

    say('disk: 10 worktrees against 10 full clones; event-loop delay while measuring it');
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    let usage = await workdirs.diskUsage({ maxAgeMs: 0 });
    for (let i = 0; i < 4; i++) usage = await workdirs.diskUsage({ maxAgeMs: 0 });
    delay.disable();
    const eventLoopP99 = delay.percentile(99) / 1e6;
    const walkStarted = performance.now();
    walkBytesSync(join(work, 'data', 'workdirs'));
    const syncWalk = performance.now() - walkStarted;
    const worktreeBytes = usage.worktrees.reduce((sum, w) => sum + w.bytes, 0);
    const cacheBytes = usage.caches.reduce((sum, c) => sum + c.bytes, 0);
    const tenWorktrees = cacheBytes + worktreeBytes;
    const tenClones = WORKTREES * fullCloneBytes;

    const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
    writeReport({
      name: 'workdir',
      figures: {
        repo_pack_mib: mib(packBytes),
        ls_remote_ms: lsRemote,
        fresh_full_clone_ms: fullClone,
        fresh_blobless_clone_ms: blobless,
        fresh_shallow_clone_ms: shallow,
        fresh_shallow_clone_parallel_checkout_ms: shallowParallel,
        cache_creation_ms: cacheCreation,
        cache_creation_vs_blobless_clone: cacheCreation / blobless,
        first_worktree_ms: firstWorktree,
        cache_and_first_worktree_vs_blobless_clone: (cacheCreation + firstWorktree) / blobless,
        new_worktree_warm_cache_ms: newWorktree,
        new_worktree_vs_shallow_clone: newWorktree / shallow,
        new_worktree_vs_shallow_clone_parallel_checkout: newWorktree / shallowParallel,
        warm_redispatch_ms: redispatch,
        warm_redispatch_vs_full_clone: redispatch / fullClone,
        warm_redispatch_vs_shallow_clone: redispatch / shallow,
        ls_remote_between_redispatches_ms: lsRemoteAtRedispatch,
        warm_redispatch_vs_ls_remote: redispatch / lsRemoteAtRedispatch,
        redispatch_fast_forward_ms: fastForward,
        redispatch_fast_forward_vs_shallow_clone: fastForward / shallow,
        redispatch_force_push_ms: forcePushed,
        redispatch_force_push_vs_shallow_clone: forcePushed / shallow,
        heads_ls_remote_ms: known.lsRemoteMs,
        known_head_redispatch_ms: known.knownMs,
        known_head_redispatch_vs_ls_remote: known.knownMs / known.lsRemoteMs,
        unknown_head_redispatch_ms: known.unknownMs,
        unknown_head_redispatch_vs_ls_remote: known.unknownMs / known.lsRemoteMs,
        known_head_http_requests: known.knownRequests,
        unknown_head_http_requests: known.unknownRequests,
        ls_remote_http_requests: known.lsRemoteRequests,
        known_head_git_processes: known.knownGitProcesses,
        unknown_head_git_processes: known.unknownGitProcesses,
        unknown_head_fetch_ms: known.unknownGitSteps.find((step) => step.command.startsWith('fetch'))?.ms ?? Number.NaN,
        heads_load_average_1m: loadBefore,
        heads_machine_busy: headsLoad.machineBusy,
        disk_blobless_clone_git_mib: mib(bloblessGitBytes),
        disk_shallow_clone_git_mib: mib(shallowGitBytes),
        disk_cache_mib: mib(cacheBytes),
        disk_10_worktrees_with_cache_mib: mib(tenWorktrees),
        disk_10_full_clones_mib: mib(tenClones),
        disk_10_worktrees_vs_10_clones: tenWorktrees / tenClones,
        disk_usage_event_loop_p99_ms: eventLoopP99,
        disk_usage_sync_walk_blocks_loop_ms: syncWalk,
      },
      targets: {
        warm_redispatch_vs_full_clone: { value: redispatch / fullClone, max: 1 / 20 },
        warm_redispatch_vs_shallow_clone: { value: redispatch / shallow, max: 1 / 3 },
        known_head_redispatch_vs_ls_remote: { value: known.knownMs / known.lsRemoteMs, max: 0.5 },
        unknown_head_redispatch_vs_ls_remote: { value: known.unknownMs / known.lsRemoteMs, max: 2 },
        new_worktree_vs_shallow_clone: { value: newWorktree / shallow, max: 0.5 },
        disk_10_worktrees_vs_10_clones: { value: tenWorktrees / tenClones, max: 0.5 },
        disk_usage_event_loop_p99_ms: { value: eventLoopP99, max: 20 },
      },
      notes: [
        `repository: ${MID_SIZED.files} files, ${MID_SIZED.commits} commits, ${mib(packBytes)} MiB pack, served by git http-backend on loopback with token auth`,
        `medians of ${CLONE_RUNS} runs (clones) and ${FAST_RUNS} runs (ls-remote, re-dispatch); 5 runs for new worktree, fast-forward and force-push`,
        'ratio baselines: fresh clones (per-task designs) and ls-remote (one authenticated round trip: the network floor), timed between the re-dispatches it is compared with',
        "warm re-dispatch = acquire + release of an existing worktree whose branch is on the forge, remote unchanged; against ls-remote its target is the unknown head's (the same re-dispatch, over more rounds)",
        `known / unknown head (decisions.md §51): the same re-dispatch with every head it needs known (learned by the fetch just before) / with none known (it fetches); ${HEAD_ROUNDS} rounds of ls-remote, unknown, known, medians`,
        `unknown head, its git processes (median ms, the ref read runs while the fetch waits for the forge): ${known.unknownGitSteps.map((step) => `git ${step.command} ${step.ms.toFixed(1)}`).join(', ')}; the rest is locks, lease and registry files`,
        'new worktree = acquire of a new issue branch on a warm cache (includes the fetch that finds the branch is not on the forge yet)',
        `disk: cache + ${WORKTREES} worktrees from one diskUsage() call, against ${WORKTREES} × one fresh full clone (du)`,
        'event-loop p99: monitorEventLoopDelay over 5 diskUsage() calls (du in a child); contrast: one synchronous in-process walk of the same tree',
      ],
    });
  } finally {
    await server.close();
    rmSync(work, { recursive: true, force: true, maxRetries: 2 });
  }
}

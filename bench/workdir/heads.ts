/**
 * The known-heads figures (decisions.md §51): a warm re-dispatch whose heads the service knows (no
 * request to the forge) and one whose heads it does not (it fetches), each against `git ls-remote`
 * timed in the same rounds, interleaved so that a change in the machine's load falls on all three.
 * And where the unknown head's time goes: its git processes, in order, and the forge's requests.
 */
import type { AgentConfig } from '../../src/config/types.js';
import type { KnownHeads, RepoSpec, Workdirs } from '../../src/workdir/index.js';
import { median } from './measure.js';

export interface GitLog {
  readonly log: ReadonlyArray<{ readonly command: string; readonly ms: number }>;
}

export interface HeadsInput {
  readonly workdirs: Workdirs;
  readonly heads: KnownHeads;
  /** The runner the workdirs use, recording each git command and its time. */
  readonly git: GitLog;
  readonly repo: RepoSpec;
  readonly agent: AgentConfig;
  /** A branch with a worktree, pushed to the forge. */
  readonly branch: string;
  /** The head of the default branch on the forge. */
  readonly defaultHead: string;
  readonly lsRemote: () => Promise<unknown>;
  /** Requests the forge has received so far. */
  readonly requests: () => number;
  readonly rounds: number;
}

export interface HeadsFigures {
  readonly lsRemoteMs: number;
  readonly knownMs: number;
  readonly unknownMs: number;
  readonly lsRemoteRequests: number;
  readonly knownRequests: number;
  readonly unknownRequests: number;
  readonly knownGitProcesses: number;
  readonly unknownGitProcesses: number;
  /** Median time of each git command of an unknown-head re-dispatch, in the order they ran. */
  readonly unknownGitSteps: ReadonlyArray<{ readonly command: string; readonly ms: number }>;
}

export async function measureHeads(input: HeadsInput): Promise<HeadsFigures> {
  const { workdirs, heads, repo } = input;
  const redispatch = async () => {
    const result = await workdirs.acquire({
      repo,
      agent: input.agent,
      target: { kind: 'issue-branch', branch: input.branch },
    });
    if (!result.ok) throw new Error(`acquire failed: ${result.error.message}`);
    await result.value.release();
    return result.value;
  };
  /** Time, forge requests and git commands of one step. */
  const observe = async (step: () => Promise<unknown>) => {
    const requests = input.requests();
    const from = input.git.log.length;
    const started = performance.now();
    await step();
    const ms = performance.now() - started;
    return { ms, requests: input.requests() - requests, git: input.git.log.slice(from) };
  };

  // The forge has told of a push to the repository: from now on its heads may be used.
  heads.moved(repo, `refs/heads/${repo.defaultBranch}`, undefined, input.defaultHead, 'webhook');
  const rounds: Array<Record<'ls' | 'known' | 'unknown', Awaited<ReturnType<typeof observe>>>> = [];
  for (let i = 0; i < input.rounds; i++) {
    const ls = await observe(input.lsRemote);
    heads.forget(repo);
    const unknown = await observe(redispatch);
    // What that fetch found is known now.
    const known = await observe(redispatch);
    rounds.push({ ls, known, unknown });
  }
  const ms = (kind: 'ls' | 'known' | 'unknown') => median(rounds.map((round) => round[kind].ms));
  const last = rounds.at(-1);
  if (!last) throw new Error('no rounds');
  return {
    lsRemoteMs: ms('ls'),
    knownMs: ms('known'),
    unknownMs: ms('unknown'),
    lsRemoteRequests: last.ls.requests,
    knownRequests: Math.max(...rounds.map((round) => round.known.requests)),
    unknownRequests: last.unknown.requests,
    knownGitProcesses: last.known.git.length,
    unknownGitProcesses: last.unknown.git.length,
    unknownGitSteps: last.unknown.git.map((step, i) => ({
      command: step.command,
      ms: median(rounds.map((round) => round.unknown.git[i]?.ms ?? Number.NaN)),
    })),
  };
}

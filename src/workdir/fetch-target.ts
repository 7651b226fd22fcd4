/**
 * What each kind of target fetches — only the refs the job needs, in one `git fetch` — and what it
 * then wants the worktree to be at. When the service knows every one of those heads (recent, and
 * its commit already in the cache), the cache's remote-tracking refs are set to them and nothing
 * is fetched (decisions.md §51); what a fetch finds is learned in turn. Callers hold the
 * repository lock.
 */
import type { Clock } from '../lib/clock.js';
import { err, ok, type Result } from '../lib/result.js';
import {
  commitsPresent,
  fetchRefs,
  gitIn,
  readRefs,
  readTypedRefs,
  type GitContext,
  type RefToFetch,
} from './cache.js';
import type { KnownHeads } from './known-heads.js';
import type { WorktreeRecord } from './registry.js';
import { GitError } from './run-git.js';
import type { AcquireError, AcquireRequest } from './types.js';

export interface Wanted {
  /** The commit the worktree should be at; undefined for a branch the remote does not have. */
  readonly checkout: string | undefined;
  /** Where a new worktree starts: the remote branch, else the target's `startFrom` branch, else the default branch. */
  readonly startPoint: string;
  /** The `startFrom` branch, when `startPoint` is its head. */
  readonly startBranch?: string;
  readonly remoteHead: string | undefined;
  /** The local branch's commit (issue-branch), read with the remote refs. */
  readonly localHead: string | undefined;
  /** Commits known to have been on the remote before this fetch (possibly abbreviated). */
  readonly known: readonly string[];
  /** The remote had the branch before: it was pushed, so its absence now means it was deleted. */
  readonly wasOnRemote: boolean;
  /** Whether the forge was asked (false: every head came from the known heads). */
  readonly fetched: boolean;
}

/** The heads the service knows (none: always fetch, nothing learned), and the clock a fetch's start is read from. */
export interface HeadSource {
  readonly heads: KnownHeads | undefined;
  readonly clock: Clock;
  /** False: fetch even when the heads are known (what is fetched is still learned). */
  readonly useKnown: boolean;
}

/** What the refs read after a fetch (or set from known heads) say. */
interface Found {
  /** Remote-tracking refs and their commits. */
  readonly after: ReadonlyMap<string, string>;
  /** Remote-tracking refs that moved, with what they held before. */
  readonly previous: ReadonlyMap<string, string>;
  /** Optional sources the remote lacks, with what their remote-tracking ref held before. */
  readonly missing: ReadonlyMap<string, string | undefined>;
}

const remoteRef = (branch: string) => `refs/remotes/origin/${branch}`;
const pullRef = (number: number) => `refs/remotes/origin/pull/${number}/head`;
const fetchBranch = (branch: string, optional: boolean): RefToFetch => ({
  src: `refs/heads/${branch}`,
  dst: remoteRef(branch),
  optional,
});

/**
 * The refs the job's target needs, as one fetch brings them. `known: true` leaves out what the
 * known heads can do without: a PR's head branch, fetched only as a stand-in for a forge without
 * `refs/pull/<N>/head`.
 */
function refsOf(request: AcquireRequest, options: { readonly known?: boolean } = {}): RefToFetch[] {
  const target = request.target;
  const defaultFetch = fetchBranch(request.repo.defaultBranch, false);
  if (target.kind === 'issue-branch')
    return [
      defaultFetch,
      fetchBranch(target.branch, true),
      ...(target.startFrom !== undefined ? [fetchBranch(target.startFrom, true)] : []),
    ];
  if (target.kind === 'default-branch') return [defaultFetch];
  const pull = { src: `refs/pull/${target.number}/head`, dst: pullRef(target.number), optional: true };
  const headBranch = target.ref !== undefined && !options.known ? [fetchBranch(target.ref, true)] : [];
  return [defaultFetch, pull, ...headBranch];
}

/** The job's refs from the known heads when it can do without the forge, else from a fetch. */
export async function wantedForTarget(
  ctx: GitContext,
  cacheDir: string,
  request: AcquireRequest,
  record: WorktreeRecord | undefined,
  source: HeadSource,
): Promise<Result<Wanted, AcquireError>> {
  const known =
    source.heads?.enabled && source.useKnown && (await fromKnownHeads(ctx, cacheDir, request, record, source.heads));
  if (known) return ok(known);
  return fetchForTarget(ctx, cacheDir, request, record, source);
}

/**
 * Every ref the fetch would bring, when the service knows it recently and the cache has its
 * commit: the remote-tracking refs are moved there (only those that differ) and the job goes on
 * as if it had fetched. A PR's known head must be the commit the job is about. Undefined: fetch.
 */
async function fromKnownHeads(
  ctx: GitContext,
  cacheDir: string,
  request: AcquireRequest,
  record: WorktreeRecord | undefined,
  heads: KnownHeads,
): Promise<Wanted | undefined> {
  const target = request.target;
  const needed: Array<{ readonly dst: string; readonly sha: string }> = [];
  for (const ref of refsOf(request, { known: true })) {
    const sha = heads.recent(request.repo, ref.src);
    if (sha === undefined || ref.dst === undefined) return undefined;
    needed.push({ dst: ref.dst, sha });
  }
  if (target.kind === 'pr-head' && needed.find((ref) => ref.dst === pullRef(target.number))?.sha !== target.sha)
    return undefined;
  const local = target.kind === 'issue-branch' ? [`refs/heads/${target.branch}`] : [];
  const current = await readTypedRefs(ctx, cacheDir, [...needed.map((ref) => ref.dst), ...local]);
  // A ref already at the known commit shows, by its object's type, that the cache has that commit.
  // Any other is checked before a ref is moved to it: a payload's commit id is trusted for
  // nothing, and an agent can write the cache's refs.
  const moving = needed
    .map((ref) => ({ ...ref, was: current.get(ref.dst) }))
    .filter((ref) => ref.was?.sha !== ref.sha || ref.was.type !== 'commit');
  const commits = moving.map((ref) => ref.sha);
  if (!(await commitsPresent(ctx, cacheDir, commits))) {
    ctx.log.debug({ commits }, 'a known head is not a commit in the cache (yet); fetching');
    return undefined;
  }
  try {
    for (const ref of moving) await gitIn(ctx, cacheDir, ['update-ref', ref.dst, ref.sha, ref.was?.sha ?? '']);
  } catch (error) {
    if (!(error instanceof GitError)) throw error;
    ctx.log.warn({ err: error }, 'could not set a remote-tracking ref to a known head; fetching instead');
    return undefined;
  }
  const after = new Map([...current].map(([name, { sha }]) => [name, sha]));
  const previous = new Map<string, string>();
  for (const ref of moving) {
    after.set(ref.dst, ref.sha);
    if (ref.was !== undefined && ref.was.sha !== ref.sha) previous.set(ref.dst, ref.was.sha);
  }
  return { ...wantedOf(request, record, { after, previous, missing: new Map() }), fetched: false };
}

export async function fetchForTarget(
  ctx: GitContext,
  cacheDir: string,
  request: AcquireRequest,
  record: WorktreeRecord | undefined,
  source: HeadSource,
): Promise<Result<Wanted, AcquireError>> {
  const target = request.target;
  const refs = refsOf(request);
  const startedAt = source.clock.now();
  const local = target.kind === 'issue-branch' ? [`refs/heads/${target.branch}`] : [];
  const names = [...refs.map((ref) => ref.dst as string), ...local];
  // Read while the fetch waits for the forge: a re-dispatch usually finds every ref up to date,
  // and then these are the values after it too, with no git process after the fetch.
  const during = readRefs(ctx, cacheDir, names);
  during.catch(() => undefined);
  const fetched = await fetchRefs(ctx, cacheDir, refs);
  const after = fetched.changed ? await readRefs(ctx, cacheDir, names) : await during;
  if (source.heads) learnFetched(source.heads, request.repo, refs, after, fetched.missing, startedAt);
  const wanted = { ...wantedOf(request, record, { after, ...fetched }), fetched: true };

  if (target.kind === 'pr-head' && ![...after.values()].includes(target.sha)) {
    // The PR moved on since the event, or its head is in no ref we fetched: ask for the commit.
    try {
      await fetchRefs(ctx, cacheDir, [{ src: target.sha, optional: false }]);
    } catch (error) {
      if (!(error instanceof GitError)) throw error;
      return err({
        kind: 'commit-not-found',
        sha: target.sha,
        message: `commit ${target.sha} of PR #${target.number} is not on the remote: ${error.stderr.trim()}`,
      });
    }
  }
  return ok(wanted);
}

/** Tells the known heads what a fetch that started at `startedAt` found. */
export function learnFetched(
  heads: KnownHeads,
  repo: AcquireRequest['repo'],
  refs: readonly RefToFetch[],
  after: ReadonlyMap<string, string>,
  missing: ReadonlyMap<string, unknown>,
  startedAt: number,
): void {
  const found = new Map<string, string>();
  for (const ref of refs) {
    const sha = ref.dst === undefined ? undefined : after.get(ref.dst);
    if (sha !== undefined && !missing.has(ref.src)) found.set(ref.src, sha);
  }
  heads.fetched(repo, found, missing.keys(), startedAt);
}

function wantedOf(request: AcquireRequest, record: WorktreeRecord | undefined, found: Found): Omit<Wanted, 'fetched'> {
  const target = request.target;
  const defaultRef = remoteRef(request.repo.defaultBranch);
  const { after, previous, missing } = found;

  if (target.kind === 'issue-branch') {
    const ref = remoteRef(target.branch);
    const local = `refs/heads/${target.branch}`;
    const remote = after.get(ref);
    // `missing` is keyed by the fetched source, which is also the local branch's ref name.
    const deletedFrom = missing.get(local);
    // What the remote-tracking ref held before this fetch (the agent's own pushes land there):
    // local commits on that old value were pushed, which tells a force-push from unpushed work.
    const before = previous.get(ref) ?? deletedFrom ?? remote;
    // A stacked start: the upstream story's branch, while the remote has it (once merged and
    // deleted, the default branch has its work).
    const startHead = target.startFrom === undefined ? undefined : after.get(remoteRef(target.startFrom));
    return {
      checkout: remote,
      startPoint: remote ?? startHead ?? required(after, defaultRef),
      ...(remote === undefined && startHead !== undefined ? { startBranch: target.startFrom } : {}),
      remoteHead: remote,
      localHead: after.get(local),
      known: before === undefined ? [] : [before],
      wasOnRemote: record?.remoteHead !== undefined || deletedFrom !== undefined,
    };
  }

  if (target.kind === 'default-branch') {
    const head = required(after, defaultRef);
    return { checkout: head, startPoint: head, remoteHead: head, localHead: undefined, known: [], wasOnRemote: true };
  }

  const remoteHead =
    after.get(pullRef(target.number)) ?? (target.ref !== undefined ? after.get(remoteRef(target.ref)) : undefined);
  return {
    checkout: target.sha,
    startPoint: target.sha,
    remoteHead,
    localHead: undefined,
    known: [],
    wasOnRemote: true,
  };
}

function required(refs: ReadonlyMap<string, string>, name: string): string {
  const value = refs.get(name);
  if (value === undefined) throw new Error(`${name} missing after fetching it`);
  return value;
}

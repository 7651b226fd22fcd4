/**
 * The heads the service knows of each repository without asking the forge (decisions.md §51):
 * what a push webhook, a pull request's webhook, a push the service relayed for an agent, or the
 * service's own last fetch said a ref points at, and when it learned it. Refs are named as the
 * forge has them: `refs/heads/<branch>`, `refs/pull/<N>/head`.
 *
 * A known head is a hint, never an authority. `acquire` skips its fetch for a head only when it is
 * recent (learned within `maxAgeMs`), when the forge has told of a push to the repository since
 * this process started (so pushes to it are heard at all), and when its commit is already in the
 * cache. Observations that cannot be put in order — a push whose `before` is not the head known,
 * a fetch that found another head than one learned while it ran — forget the ref: the next job
 * fetches. What comes from a payload is checked here (a branch name git accepts, a full commit
 * id) and anything else ignored.
 *
 * In memory only: a restart forgets everything, which costs each repository one fetch.
 */
import type { Clock } from '../lib/clock.js';
import { repoKeyOf } from './paths.js';
import { branchNameProblem, isCommitId } from './ref-name.js';
import type { RepoSpec } from './types.js';

export type RepoId = Pick<RepoSpec, 'host' | 'owner' | 'name'>;

export interface KnownHeads {
  /** False when `workdir.knownHeadMaxAgeSeconds` is 0: nothing is kept, every job fetches. */
  readonly enabled: boolean;
  /**
   * `ref` moved from `before` (undefined or all zeros: created) to `after` (all zeros: deleted),
   * as the forge's push webhook (`webhook`) or a push the service relayed (`relay`) says.
   */
  moved(repo: RepoId, ref: string, before: string | undefined, after: string, via: 'webhook' | 'relay'): void;
  /** `ref` points at `sha` now, with nothing saying what it followed (a pull request's head in its webhook). */
  seen(repo: RepoId, ref: string, sha: string): void;
  /** What a fetch that started at `startedAt` found: refs with their commits, and refs the forge does not have. */
  fetched(repo: RepoId, found: ReadonlyMap<string, string>, missing: Iterable<string>, startedAt: number): void;
  /** Forgets `ref`, or every ref of the repository. */
  forget(repo: RepoId, ref?: string): void;
  /** The commit `ref` points at, when it is known, recent and the repository's pushes are heard. */
  recent(repo: RepoId, ref: string): string | undefined;
}

export interface KnownHeadsOptions {
  readonly clock: Clock;
  /** A head learned longer ago than this is not used (`workdir.knownHeadMaxAgeSeconds`); 0 turns it all off. */
  readonly maxAgeMs: number;
  /** Heads kept across all repositories; past it the least recently learned are dropped (default 10,000). */
  readonly maxEntries?: number;
}

interface Entry {
  readonly sha: string;
  readonly learnedAt: number;
}

const ZERO = /^0+$/;
const PULL_HEAD = /^refs\/pull\/([1-9][0-9]{0,9})\/head$/;

/** Whether `ref` is a ref this store keeps: a branch git accepts, or a pull request's head. */
export function isKnowableRef(ref: string): boolean {
  if (PULL_HEAD.test(ref)) return true;
  return ref.startsWith('refs/heads/') && branchNameProblem(ref.slice('refs/heads/'.length)) === undefined;
}

export function createKnownHeads(options: KnownHeadsOptions): KnownHeads {
  const { clock, maxAgeMs } = options;
  const maxEntries = options.maxEntries ?? 10_000;
  const enabled = maxAgeMs > 0;
  /** By `<repo key>\0<ref>`, least recently learned first. */
  const entries = new Map<string, Entry>();
  /** Repositories the forge has sent a push webhook for. */
  const heard = new Set<string>();
  const keyOf = (repo: RepoId, ref: string) => `${repoKeyOf(repo)}\0${ref}`;

  const set = (key: string, sha: string, learnedAt: number) => {
    entries.delete(key);
    entries.set(key, { sha, learnedAt });
    if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
  };
  const usable = (ref: string, sha: string) => enabled && isKnowableRef(ref) && isCommitId(sha);

  return {
    enabled,
    moved(repo, ref, before, after, via) {
      if (!enabled || !isKnowableRef(ref)) return;
      if (via === 'webhook') heard.add(repoKeyOf(repo));
      const key = keyOf(repo, ref);
      if (ZERO.test(after)) {
        entries.delete(key);
        return;
      }
      if (!isCommitId(after)) return;
      const known = entries.get(key);
      const from = before === undefined || ZERO.test(before) ? undefined : before;
      // It follows what is known (or nothing is), or repeats it: the head is `after` as of now.
      if (known === undefined || known.sha === from || known.sha === after) set(key, after, clock.now());
      // A push from elsewhere than the head known: one of the two is late, and which is not known.
      else entries.delete(key);
    },
    seen(repo, ref, sha) {
      if (!usable(ref, sha)) return;
      set(keyOf(repo, ref), sha, clock.now());
    },
    fetched(repo, found, missing, startedAt) {
      if (!enabled) return;
      for (const [ref, sha] of found) {
        if (!usable(ref, sha)) continue;
        const key = keyOf(repo, ref);
        const known = entries.get(key);
        const learnedSince = known !== undefined && known.learnedAt > startedAt;
        if (learnedSince && known.sha !== sha) entries.delete(key);
        else if (!learnedSince) set(key, sha, startedAt);
      }
      for (const ref of missing) entries.delete(keyOf(repo, ref));
    },
    forget(repo, ref) {
      if (ref !== undefined) {
        entries.delete(keyOf(repo, ref));
        return;
      }
      const prefix = `${repoKeyOf(repo)}\0`;
      for (const key of [...entries.keys()]) if (key.startsWith(prefix)) entries.delete(key);
    },
    recent(repo, ref) {
      if (!enabled || !heard.has(repoKeyOf(repo))) return undefined;
      const known = entries.get(keyOf(repo, ref));
      if (known === undefined || clock.now() - known.learnedAt >= maxAgeMs) return undefined;
      return known.sha;
    },
  };
}

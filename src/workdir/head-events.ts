/**
 * What the forge's events tell of its heads (decisions.md §51): a push moves a branch (and asks for
 * the branch in the cache soon), a pull request's event carries its head, a deleted branch or
 * repository is forgotten. Every stored event passes here, from any worker's intake or the poller;
 * `KnownHeads` checks names and commit ids before keeping anything.
 */
import type { ForgeEvent } from '../core/events.js';
import type { StoredEvent } from '../core/stored-event.js';
import type { KnownHeads } from './known-heads.js';
import { branchNameProblem, isCommitId } from './ref-name.js';
import type { RepoSpec } from './types.js';

export interface HeadWatcherOptions {
  readonly heads: KnownHeads;
  /** Asked to bring a pushed branch into the repository's cache in the background. */
  readonly fetchSoon?: (repo: RepoSpec, branch: string) => void;
}

/** A listener for stored events that keeps `heads` up to date. */
export function watchHeads(options: HeadWatcherOptions): (stored: StoredEvent) => void {
  return ({ event }) => learnFrom(options, event);
}

function learnFrom({ heads, fetchSoon }: HeadWatcherOptions, event: ForgeEvent): void {
  if (!heads.enabled) return;
  switch (event.type) {
    case 'push': {
      if (!event.ref.startsWith('refs/heads/')) return;
      heads.moved(event.repo, event.ref, event.before, event.after, 'webhook');
      const branch = event.ref.slice('refs/heads/'.length);
      if (isCommitId(event.after) && !/^0+$/.test(event.after) && branchNameProblem(branch) === undefined)
        fetchSoon?.(event.repo, branch);
      return;
    }
    case 'pull_request':
      heads.seen(event.repo, `refs/pull/${event.pull.number}/head`, event.pull.headSha);
      return;
    case 'ref_deleted':
      if (event.refType === 'branch') heads.forget(event.repo, `refs/heads/${event.ref}`);
      return;
    case 'repository':
      heads.forget(event.repo);
      return;
    default:
      return;
  }
}

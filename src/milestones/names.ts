/**
 * A milestone as people name it — `owner/name#12` — or by its full repository key
 * (`host/owner/name#12`): the service works on one forge, so `owner/name` names one repository.
 * For the command line and the admin API, which find it among the milestones the store knows.
 */
import type { MilestoneRecord, MilestoneStore } from './ports.js';

export type MilestoneLookup =
  | { readonly ok: true; readonly milestone: MilestoneRecord }
  | { readonly ok: false; readonly reason: 'bad-name' | 'not-found'; readonly message: string };

const REPO_NAME = /^[^/\s#]+\/[^/\s#]+(?:\/[^/\s#]+)?$/;

/** The milestone of `repo` (`owner/name` or `host/owner/name`) tracked by issue `tracking`. */
export async function findMilestone(
  store: Pick<MilestoneStore, 'listMilestones'>,
  repo: string,
  tracking: number,
): Promise<MilestoneLookup> {
  if (!REPO_NAME.test(repo))
    return { ok: false, reason: 'bad-name', message: `"${repo}" is not a repository: name it as owner/name` };
  if (!Number.isSafeInteger(tracking) || tracking < 1)
    return { ok: false, reason: 'bad-name', message: `the tracking issue must be a positive whole number` };
  const wanted = repo.toLowerCase();
  const found = (await store.listMilestones()).filter(
    (m) => m.tracking === tracking && (m.repo === wanted || m.repo.endsWith(`/${wanted}`)),
  );
  if (found.length === 1) return { ok: true, milestone: found[0]! };
  if (found.length > 1)
    return {
      ok: false,
      reason: 'bad-name',
      message: `${repo}#${tracking} names ${found.length} milestones (${found.map((m) => m.repo).join(', ')}): name it as host/owner/name#${tracking}`,
    };
  return {
    ok: false,
    reason: 'not-found',
    message: `no milestone ${repo}#${tracking}: the service has not seen that tracking issue`,
  };
}

/** `owner/name#12` (or `host/owner/name#12`) → its parts; undefined when it is not one. */
export function parseMilestoneName(text: string): { readonly repo: string; readonly tracking: number } | undefined {
  const match = /^([^#\s]+)#([1-9]\d{0,9})$/.exec(text.trim());
  if (!match || !REPO_NAME.test(match[1]!)) return undefined;
  return { repo: match[1]!, tracking: Number(match[2]) };
}

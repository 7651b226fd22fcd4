/**
 * Merge when green (docs/until-merged.md): a green PR of a repository that opted in is merged once
 * a person or the reviewer approved its head (`pulls/merge-readiness.ts` decides from the PR's
 * reviews, read with the service's credential) — unless it changes what CI runs; the PR's author's own user asks the forge, with
 * the head judged pinned and `merge_when_checks_succeed`, never `force_merge`. Answers where
 * merging stands, for the driver to keep; a refusal is kept with the forge's reason, redacted.
 */
import type { ForgeClient, MergeStyle } from '../forge/client.js';
import { ForgeApiError, submittedReviews } from '../forge/client.js';
import type { Logger } from '../lib/logger.js';
import { mergeReadiness } from '../pulls/merge-readiness.js';
import type { MergeState, WatchedPull } from '../pulls/ports.js';

/**
 * Files that say what CI runs. A PR that changes one could make its own checks pass — a model
 * that read a stranger's text may try exactly that — so the service never merges it: a person does.
 */
const CI_CONFIG: readonly RegExp[] = [
  /^\.(gitea|forgejo|github)\/workflows\//,
  /^\.woodpecker(\/|\.ya?ml$)/,
  /^\.drone\.ya?ml$/,
  /^\.gitlab-ci\.ya?ml$/,
  /^\.circleci\//,
  /^Jenkinsfile$/,
];

export interface MergeOptions {
  readonly reader: Pick<ForgeClient, 'listPullReviews' | 'listPullFiles'>;
  readonly style: MergeStyle;
  readonly redact: (text: string) => string;
  readonly log: Logger;
}

export interface MergeAttempt {
  readonly merge: MergeState;
  /** Why merging waits, in a few words, when it does. */
  readonly waiting?: string;
}

/**
 * Asks the forge to merge `pull` (green, of a repository that merges when green) when it may:
 * `author` is the PR's author's login, `writer` its client. Undefined when nothing changed (asked
 * already for this head, or merged).
 */
export async function mergeWhenGreen(
  options: MergeOptions,
  repo: string,
  pull: WatchedPull,
  author: string,
  writer: Pick<ForgeClient, 'mergePull'>,
  now: number,
): Promise<MergeAttempt | undefined> {
  if (pull.state !== 'open' || pull.merge.kind === 'merged') return undefined;
  if (pull.merge.kind === 'asked' && pull.merge.sha === pull.headSha) return undefined;
  const reviews = submittedReviews(await options.reader.listPullReviews(repo, pull.number)).map((review) => ({
    author: review.author.login,
    state: review.state,
    commitId: review.commitId,
    submittedAt: review.submittedAt,
  }));
  const readiness = mergeReadiness(pull, author, reviews);
  if (!readiness.ready) return { merge: { kind: 'waiting' }, waiting: `${readiness.reason} before it is merged` };
  const ci = (await options.reader.listPullFiles(repo, pull.number)).find((path) =>
    CI_CONFIG.some((re) => re.test(path)),
  );
  if (ci !== undefined)
    return { merge: { kind: 'waiting' }, waiting: `a person to merge it: it changes the CI configuration (${ci})` };
  try {
    const outcome = await writer.mergePull(repo, pull.number, {
      style: options.style,
      headSha: pull.headSha,
      whenChecksSucceed: true,
    });
    options.log.info(
      { pull: pull.number, approvedBy: readiness.approvedBy, outcome },
      'asked the forge to merge a green pull request',
    );
    return {
      merge: outcome === 'merged' ? { kind: 'merged', at: now } : { kind: 'asked', sha: pull.headSha, at: now },
    };
  } catch (error) {
    if (!(error instanceof ForgeApiError) || error.transient) throw error;
    options.log.warn({ pull: pull.number, status: error.status }, 'the forge refused to merge a green pull request');
    const reason = options.redact(`${error.status}: ${error.body.slice(0, 200)}`);
    return { merge: { kind: 'refused', sha: pull.headSha, reason, at: now } };
  }
}

/**
 * The status comment's text: a pure function of the run's status. One comment per run, edited
 * in place as the run moves from queued to working to finished; the marker on its first line
 * says which job it belongs to. Text that came from the run (what it is doing, its error, why a
 * resume fell back) is public text (`format.ts`): redacted of secrets, without internal
 * addresses or paths, and inert. The run record and the log keep the full text. The review
 * comments still outstanding are forge text (a login, a file path): inert, their Markdown escaped.
 */
import { formatUsd } from '../../lib/format-usd.js';
import { formatDuration, inert, inertMarkdown, publicText } from './format.js';
import { describeUnpushedWork } from './local-work.js';
import type { OutstandingReviewComment } from './outstanding.js';
import { statusMarker } from '../../core/status-marker.js';
import type { RunStatus } from './types.js';
import type { RunOutcomeKind } from '../../core/run-outcome.js';

export interface StatusContext {
  readonly agent: string;
  readonly jobId: number;
  /** When the run started (ms since the epoch); shown while it works. */
  readonly startedAt?: number;
  /** Replaces the secrets the service knows (its `Redactor`); nothing is replaced when omitted. */
  readonly redact?: (text: string) => string;
}

const OUTCOME: Readonly<Record<RunOutcomeKind, string>> = {
  succeeded: '✅ **{agent}** finished',
  failed: '❌ **{agent}** failed',
  interrupted: '⏹️ **{agent}** was interrupted',
  'budget-exceeded': '💸 **{agent}** stopped: the run reached its cost budget',
  'max-turns': '🔁 **{agent}** stopped: the run reached its turn limit',
  'model-unavailable': '⏸️ **{agent}** paused: the model API is unavailable',
};

export const SILENT_LINE = '⚠️ The run ended without posting anything to the forge.';

export function renderStatus(status: RunStatus, context: StatusContext): string {
  const agent = inert(context.agent);
  const lines = [statusMarker(context.jobId)];
  switch (status.phase) {
    case 'queued':
      lines.push(`⏳ **${agent}** is queued (position ${status.position}).`);
      break;
    case 'working': {
      const started =
        context.startedAt === undefined
          ? ''
          : `, started ${new Date(context.startedAt).toISOString().slice(11, 16)} UTC`;
      lines.push(`🔧 **${agent}** is working on this (${formatDuration(status.elapsedMs)} so far${started}).`);
      if (status.activity.trim() !== '') lines.push('', `Now: ${publicText(status.activity, context.redact)}`);
      break;
    }
    case 'finished':
      lines.push(...finished(status, agent, context));
      break;
  }
  return lines.join('\n');
}

function finished(status: Extract<RunStatus, { phase: 'finished' }>, agent: string, context: StatusContext): string[] {
  const lines = [`${OUTCOME[status.outcome].replace('{agent}', agent)}.`];
  if (status.detail !== undefined && status.detail.trim() !== '')
    lines.push('', publicText(status.detail, context.redact));
  // The service's own words (when it tries again), not the run's: shown as they are.
  if (status.next !== undefined) lines.push('', `Next: ${status.next}`);
  if (status.silent) lines.push('', SILENT_LINE);
  const unpushed = status.unpushed && describeUnpushedWork(status.unpushed);
  if (unpushed !== undefined) lines.push('', `⚠️ ${unpushed}`);
  if (status.outstanding !== undefined && status.outstanding.length > 0)
    lines.push('', 'Review comments still outstanding:', ...status.outstanding.map(outstandingLine));
  lines.push(
    '',
    '| Turns | Cost | Duration | Session | Prompt |',
    '|---|---|---|---|---|',
    `| ${status.turns} | ${formatUsd(status.costUsd)} | ${formatDuration(status.durationMs)} | ${status.session} | ${status.prompt} |`,
  );
  if (status.resumeFallback !== undefined)
    lines.push(
      '',
      `The stored session could not be resumed (${publicText(status.resumeFallback, context.redact)}); this run started a new one.`,
    );
  // The link is the operator's configured public URL, not text from the run: shown as it is.
  if (status.runUrl !== undefined)
    lines.push('', `[Run details (job ${context.jobId})](${status.runUrl.replace(/[()\s]/g, encodeURIComponent)})`);
  return lines;
}

/**
 * One review comment still waiting for dev's answer. Its author and place are forge text, shown
 * as text; the login without its `@`, so the status comment mentions (and wakes) nobody. The link
 * is the forge's own page of the comment, and only an http(s) one.
 */
function outstandingLine(comment: OutstandingReviewComment): string {
  const link =
    comment.url !== undefined && /^https?:\/\//i.test(comment.url)
      ? ` ([link](${comment.url.replace(/[()<>\s]/g, encodeURIComponent)}))`
      : '';
  return `- review comment ${comment.id} by ${inertMarkdown(comment.author)} on ${inertMarkdown(comment.where)}${link}`;
}

/**
 * A run a dead process left working: it will be retried, so this comment stops here. `moved`:
 * the run's worker stopped answering and another worker of the same installation takes the job.
 */
export function renderOrphaned(context: StatusContext, moved = false): string {
  const why = moved
    ? 'the worker running it stopped answering; the job moved to another worker'
    : 'the service stopped during this run; it will be retried';
  return [statusMarker(context.jobId), `⏹️ **${inert(context.agent)}** was interrupted: ${why}.`].join('\n');
}

/**
 * The status comment's text: a pure function of the run's status. One comment per run, edited
 * in place as the run moves from queued to working to finished; the marker on its first line
 * says which job it belongs to. Text that came from the run is made inert (`format.ts`).
 */
import { formatDuration, formatUsd, inert } from './format.js';
import { describeUnpushedWork } from './local-work.js';
import { statusMarker } from './marker.js';
import type { RunOutcomeKind, RunStatus } from './types.js';

export interface StatusContext {
  readonly agent: string;
  readonly jobId: number;
  /** When the run started (ms since the epoch); shown while it works. */
  readonly startedAt?: number;
}

const OUTCOME: Readonly<Record<RunOutcomeKind, string>> = {
  succeeded: '✅ **{agent}** finished',
  failed: '❌ **{agent}** failed',
  interrupted: '⏹️ **{agent}** was interrupted',
  'budget-exceeded': '💸 **{agent}** stopped: the run reached its cost budget',
  'max-turns': '🔁 **{agent}** stopped: the run reached its turn limit',
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
      const started = context.startedAt === undefined ? '' : `, started ${new Date(context.startedAt).toISOString().slice(11, 16)} UTC`;
      lines.push(`🔧 **${agent}** is working on this (${formatDuration(status.elapsedMs)} so far${started}).`);
      if (status.activity.trim() !== '') lines.push('', `Now: ${inert(status.activity)}`);
      break;
    }
    case 'finished':
      lines.push(...finished(status, agent, context.jobId));
      break;
  }
  return lines.join('\n');
}

function finished(status: Extract<RunStatus, { phase: 'finished' }>, agent: string, jobId: number): string[] {
  const lines = [`${OUTCOME[status.outcome].replace('{agent}', agent)}.`];
  if (status.detail !== undefined && status.detail.trim() !== '') lines.push('', inert(status.detail));
  if (status.silent) lines.push('', SILENT_LINE);
  const unpushed = status.unpushed && describeUnpushedWork(status.unpushed);
  if (unpushed !== undefined) lines.push('', `⚠️ ${unpushed}`);
  lines.push(
    '',
    '| Turns | Cost | Duration | Session | Prompt |',
    '|---|---|---|---|---|',
    `| ${status.turns} | ${formatUsd(status.costUsd)} | ${formatDuration(status.durationMs)} | ${status.session} | ${status.prompt} |`,
  );
  if (status.resumeFallback !== undefined) lines.push('', `The stored session could not be resumed (${inert(status.resumeFallback)}); this run started a new one.`);
  if (status.runUrl !== undefined) lines.push('', `[Run details (job ${jobId})](${status.runUrl.replace(/[()\s]/g, encodeURIComponent)})`);
  return lines;
}

/**
 * A run a dead process left working: it will be retried, so this comment stops here. `moved`:
 * the run's worker stopped answering and another worker of the same installation takes the job.
 */
export function renderOrphaned(context: StatusContext, moved = false): string {
  const why = moved ? 'the worker running it stopped answering; the job moved to another worker' : 'the service stopped during this run; it will be retried';
  return [statusMarker(context.jobId), `⏹️ **${inert(context.agent)}** was interrupted: ${why}.`].join('\n');
}

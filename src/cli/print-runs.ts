/**
 * `claude-hooks runs` lists the latest agent runs; `claude-hooks runs <id>` shows one, with its
 * prompt, tool calls and forge changes. Read straight from the data dir's database.
 */
import { formatTable } from '../lib/format-table.js';
import { workKeyString } from '../core/work-key.js';
import type { RunRecord } from '../sessions/ports.js';
import type { StoreLocation } from '../config/types.js';
import { withDataDirStore } from './data-dir-store.js';

export async function printRuns(
  where: StoreLocation,
  options: { id?: string | undefined; limit: string | undefined; json: boolean },
): Promise<number> {
  if (options.id !== undefined && !/^[1-9]\d*$/.test(options.id)) {
    process.stderr.write(`run id must be a positive whole number, got "${options.id}"\n`);
    return 2;
  }
  return withDataDirStore(where, async (store) => {
    if (options.id !== undefined) {
      const run = await store.runs.get(Number(options.id));
      if (!run) {
        process.stderr.write(`no run ${options.id} in ${store.location}\n`);
        return 1;
      }
      process.stdout.write(options.json ? `${JSON.stringify(run, null, 2)}\n` : formatRun(run));
      return 0;
    }
    const runs = await store.runs.list({ limit: Number(options.limit ?? 50) });
    process.stdout.write(options.json ? `${JSON.stringify(runs, null, 2)}\n` : formatRunTable(runs));
    return 0;
  });
}

export function formatRunTable(runs: readonly RunRecord[]): string {
  return formatTable(
    ['ID', 'JOB', 'KEY', 'STARTED', 'SESSION', 'PROMPT', 'TURNS', 'COST', 'OUTCOME', 'ISOLATION'],
    runs.map((run) => [
      String(run.id),
      String(run.jobId),
      workKeyString(run.key),
      new Date(run.startedAt).toISOString(),
      run.session ?? '-',
      run.prompt ? `${run.prompt.kind} ${run.prompt.bytes}B` : '-',
      String(run.turns ?? '-'),
      `$${(run.costUsd ?? 0).toFixed(4)}`,
      run.outcome ?? 'running (or crashed)',
      run.isolation ?? '-',
    ]),
  );
}

export function formatRun(run: RunRecord): string {
  const lines = [
    `run ${run.id} (job ${run.jobId}, attempt ${run.attempt}) ${workKeyString(run.key)}`,
    `outcome:  ${run.outcome ?? 'no outcome (still running, or the process died)'}${run.error ? ` — ${run.error}` : ''}`,
    `session:  ${run.sessionId ?? '-'} (${run.session ?? '-'})${run.resumeFallback ? `, resume fell back: ${run.resumeFallback}` : ''}`,
    `started:  ${new Date(run.startedAt).toISOString()}${run.durationMs !== undefined ? `, ${(run.durationMs / 1000).toFixed(1)} s` : ''}`,
    `turns:    ${run.turns ?? '-'}, tokens in/out ${run.tokens?.input ?? 0}/${run.tokens?.output ?? 0}, cost $${(run.costUsd ?? 0).toFixed(4)}`,
    `status:   ${run.statusCommentId === undefined ? '-' : `comment ${run.statusCommentId}`}`,
    `isolation: ${isolationText(run.isolation)}`,
    `refused:  ${refusedText(run)}`,
    'tool calls:',
    ...(run.toolCalls ?? []).map((call) => `  ${call.name}  ${call.summary}`),
    'forge changes:',
    ...(run.changes ?? []).map((change) => `  ${change.kind} #${change.number}  ${change.summary}`),
    `prompt (${run.prompt?.kind ?? '-'}, ${run.prompt?.bytes ?? 0} bytes):`,
    run.prompt?.text ?? '',
  ];
  return `${lines.join('\n')}\n`;
}

function isolationText(isolation: RunRecord['isolation']): string {
  if (isolation === 'none') return 'none — this run was not sandboxed';
  return isolation ?? '- (not recorded: the run is from before runs were sandboxed)';
}

/** What the run's proxies refused; `-` when there is no record of it, or no proxy (`isolation: none`). */
function refusedText(run: RunRecord): string {
  const blocked = run.blocked;
  if (!blocked || run.isolation === 'none') return '-';
  const parts = [
    blocked.connections > 0
      ? `${blocked.connections} connection${blocked.connections === 1 ? '' : 's'}${blocked.hosts.length > 0 ? ` (${blocked.hosts.join(', ')})` : ''}`
      : '',
    blocked.pushes > 0 ? `${blocked.pushes} push${blocked.pushes === 1 ? '' : 'es'}` : '',
  ].filter((part) => part !== '');
  return parts.length > 0 ? parts.join(', ') : 'nothing';
}

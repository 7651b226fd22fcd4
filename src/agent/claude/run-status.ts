/** The status comment's updates from the runner; a failing update never fails the run. */
import type { Logger } from '../../lib/logger.js';
import type { UnpushedWork } from '../status/local-work.js';
import type { RunStatus } from '../status/types.js';
import type { RunOutcomeKind } from '../../core/run-outcome.js';

/** The status comment of one run (built by `agent/status/`). */
export interface RunStatusReporter {
  update(status: RunStatus): Promise<void>;
  /** Takes the comment down again, after the updates before it (a run that did not go ahead). */
  withdraw?(): Promise<void>;
  readonly commentId: number | undefined;
}

export function finished(
  outcome: RunOutcomeKind,
  facts: {
    detail?: string;
    session: 'new' | 'resumed';
    prompt: 'full' | 'delta';
    fallback?: string;
    turns?: number;
    costUsd?: number;
    durationMs?: number;
    silent?: boolean;
    runUrl?: string;
    unpushed?: UnpushedWork;
    next?: string;
  },
): RunStatus {
  return {
    phase: 'finished',
    outcome,
    turns: facts.turns ?? 0,
    costUsd: facts.costUsd ?? 0,
    durationMs: facts.durationMs ?? 0,
    session: facts.session,
    prompt: facts.prompt,
    ...(facts.fallback ? { resumeFallback: facts.fallback } : {}),
    ...(facts.detail ? { detail: facts.detail } : {}),
    ...(facts.unpushed ? { unpushed: facts.unpushed } : {}),
    ...(facts.next ? { next: facts.next } : {}),
    silent: facts.silent ?? true,
    runUrl: facts.runUrl,
  };
}

export async function report(status: RunStatusReporter | undefined, update: RunStatus, log: Logger): Promise<void> {
  try {
    await status?.update(update);
  } catch (error) {
    log.warn({ err: error }, 'status comment update failed');
  }
}

export async function withdraw(status: RunStatusReporter | undefined, log: Logger): Promise<void> {
  try {
    await status?.withdraw?.();
  } catch (error) {
    log.warn({ err: error }, 'status comment withdrawal failed');
  }
}

/** The status comment's updates from the runner; a failing update never fails the run. */
import type { Logger } from '../../lib/logger.js';
import type { UnpushedWork } from '../status/local-work.js';
import type { OutstandingReviewComment } from '../status/outstanding.js';
import type { ForgeTools } from '../forge-tools/types.js';
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
    outstanding?: readonly OutstandingReviewComment[];
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
    ...(facts.outstanding ? { outstanding: facts.outstanding } : {}),
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

/**
 * The review comments still outstanding on the run's own pull request, read as the run ends by
 * its forge tools (the implementer's only); undefined when there is nothing to read or the forge
 * could not say — the status comment then leaves the list out rather than fail the run.
 */
export async function outstandingOf(
  tools: ForgeTools | undefined,
  log: Logger,
): Promise<readonly OutstandingReviewComment[] | undefined> {
  if (tools?.readOutstanding === undefined) return undefined;
  try {
    return await tools.readOutstanding();
  } catch (error) {
    log.warn({ err: error }, 'could not read the review comments still outstanding');
    return undefined;
  }
}

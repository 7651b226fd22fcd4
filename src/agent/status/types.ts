/**
 * The status comment's contract: one comment per run on the issue or PR, edited in place —
 * queued (position), working (elapsed, what it is doing), finished (outcome, turns, cost,
 * duration, new or resumed session, full or delta prompt, the review comments still outstanding,
 * link to the run).
 */
import type { RunOutcomeKind } from '../../core/run-outcome.js';
import type { UnpushedWork } from './local-work.js';
import type { OutstandingReviewComment } from './outstanding.js';

export type { RunOutcomeKind };

export type RunStatus =
  | { readonly phase: 'queued'; readonly position: number }
  | { readonly phase: 'working'; readonly elapsedMs: number; readonly activity: string }
  | {
      readonly phase: 'finished';
      readonly outcome: RunOutcomeKind;
      readonly turns: number;
      readonly costUsd: number;
      readonly durationMs: number;
      readonly session: 'new' | 'resumed';
      readonly prompt: 'full' | 'delta';
      /** Why a resume fell back to a new session, when it did. */
      readonly resumeFallback?: string;
      /** Error text or budget spend, for anything but success. */
      readonly detail?: string;
      /** What the run left in its worktree that is on no remote (dev), when it left anything. */
      readonly unpushed?: UnpushedWork;
      /**
       * The review comments on dev's pull request that no answer of dev's marks as fixed or
       * answered, read when the run ended (only for the implementer, with an open PR of its branch).
       */
      readonly outstanding?: readonly OutstandingReviewComment[];
      /** Nothing reached the forge during the run (no comment, PR, review, label). */
      readonly silent: boolean;
      /** What happens next, for anything but success: when the job is tried again, or that it is not. */
      readonly next?: string;
      readonly runUrl: string | undefined;
    };

/**
 * A plan of steps, each `check → change`: the check says whether the forge (or the disk) is already
 * right, the change makes it so. Running the plan with `dryRun` only checks, so the dry run,
 * idempotence (a right thing is left alone) and drift repair all come from one model. The first
 * failing step stops the run; what was done and what was not is in the report, and re-running
 * finishes the job because every step checks first.
 */
export type StepState = { readonly ok: true; readonly note?: string } | { readonly ok: false; readonly needs: string };

export interface Step {
  /** `user boss`, `webhook on acme/widget`. */
  readonly title: string;
  check(): Promise<StepState>;
  /** Makes it right; answers what it did. */
  change(): Promise<string>;
}

export type StepOutcome = 'ok' | 'changed' | 'would-change' | 'failed' | 'not-run';

export interface StepReport {
  readonly title: string;
  readonly outcome: StepOutcome;
  readonly detail: string;
}

export interface PlanReport {
  readonly ok: boolean;
  readonly steps: readonly StepReport[];
}

export async function runPlan(
  steps: readonly Step[],
  options: { dryRun: boolean; onStep?: (report: StepReport) => void },
): Promise<PlanReport> {
  const reports: StepReport[] = [];
  const report = (entry: StepReport): void => {
    reports.push(entry);
    options.onStep?.(entry);
  };
  let failed = false;
  for (const step of steps) {
    if (failed) {
      report({
        title: step.title,
        outcome: 'not-run',
        detail: 'not done: an earlier step failed; run init again once it is fixed',
      });
      continue;
    }
    try {
      const state = await step.check();
      if (state.ok) report({ title: step.title, outcome: 'ok', detail: state.note ?? 'already right' });
      else if (options.dryRun) report({ title: step.title, outcome: 'would-change', detail: `would ${state.needs}` });
      else report({ title: step.title, outcome: 'changed', detail: await step.change() });
    } catch (error) {
      failed = true;
      report({ title: step.title, outcome: 'failed', detail: error instanceof Error ? error.message : String(error) });
    }
  }
  return { ok: !failed, steps: reports };
}

const MARK: Record<StepOutcome, string> = { ok: '✓', changed: '+', 'would-change': '~', failed: '✗', 'not-run': '·' };

export function formatStep(report: StepReport): string {
  return `${MARK[report.outcome]} ${report.title}: ${report.detail}`;
}

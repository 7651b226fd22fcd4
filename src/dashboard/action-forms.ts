/**
 * The action forms as the server reads them: which action, its validated arguments, the question
 * its confirmation step asks, and the call that does it. Unknown actions and bad fields are
 * errors naming what is wrong.
 */
import { z } from 'zod';
import type { ActionResult, DashboardActions } from './ports.js';

export interface PlannedAction {
  readonly question: string;
  /** The fields to carry into the confirmation form. */
  readonly fields: Readonly<Record<string, string>>;
  run(): Promise<ActionResult>;
}

const jobField = z.object({
  job: z.string().regex(/^[1-9]\d{0,15}$/, 'job must be a job id (a positive whole number)'),
});
const keyField = z.object({
  key: z.string().regex(/^[^:\s]+:[^#\s]+#[1-9]\d{0,9}$/, 'key must be a work key: agent:host/owner/name#issue'),
});
const milestoneField = z.object({
  milestone: z
    .string()
    .regex(/^[^/\s#]+\/[^/\s#]+\/[^/\s#]+#[1-9]\d{0,9}$/, 'milestone must be host/owner/name#tracking-issue'),
});
const pauseFields = keyField.extend({
  hours: z
    .string()
    .regex(/^[1-9]\d{0,3}$/, 'hours must be a whole number from 1 to 9999')
    .default('1'),
});

export function planAction(
  name: string,
  form: Readonly<Record<string, unknown>>,
  actions: DashboardActions,
): { ok: true; value: PlannedAction } | { ok: false; error: string } {
  switch (name) {
    case 'cancel-job': {
      const parsed = jobField.safeParse(form);
      if (!parsed.success) return invalid(parsed.error);
      const id = Number(parsed.data.job);
      return {
        ok: true,
        value: {
          question: `Cancel queued job ${id}?`,
          fields: { job: parsed.data.job },
          run: () => actions.cancelJob(id),
        },
      };
    }
    case 'pause-key': {
      const parsed = pauseFields.safeParse(form);
      if (!parsed.success) return invalid(parsed.error);
      const hours = Number(parsed.data.hours);
      return {
        ok: true,
        value: {
          question: `Pause ${parsed.data.key} for ${hours} h?`,
          fields: { key: parsed.data.key, hours: parsed.data.hours },
          run: () => actions.pauseKey(parseKey(parsed.data.key), hours),
        },
      };
    }
    case 'resume-key': {
      const parsed = keyField.safeParse(form);
      if (!parsed.success) return invalid(parsed.error);
      return {
        ok: true,
        value: {
          question: `Resume ${parsed.data.key}?`,
          fields: { key: parsed.data.key },
          run: () => actions.resumeKey(parseKey(parsed.data.key)),
        },
      };
    }
    case 'reset-session': {
      const reset = actions.resetSession;
      if (!reset) return { ok: false, error: 'reset-session is not available in this build' };
      const parsed = keyField.safeParse(form);
      if (!parsed.success) return invalid(parsed.error);
      return {
        ok: true,
        value: {
          question: `Reset the session and worktree of ${parsed.data.key}?`,
          fields: { key: parsed.data.key },
          run: () => reset(parseKey(parsed.data.key)),
        },
      };
    }
    case 'pause-milestone':
    case 'resume-milestone': {
      const act = name === 'pause-milestone' ? actions.pauseMilestone : actions.resumeMilestone;
      if (!act) return { ok: false, error: `${name} is not available in this build` };
      const parsed = milestoneField.safeParse(form);
      if (!parsed.success) return invalid(parsed.error);
      const hash = parsed.data.milestone.lastIndexOf('#');
      const milestone = {
        repo: parsed.data.milestone.slice(0, hash),
        tracking: Number(parsed.data.milestone.slice(hash + 1)),
      };
      return {
        ok: true,
        value: {
          question:
            name === 'pause-milestone'
              ? `Pause milestone ${parsed.data.milestone}? No new story of it starts; those in flight finish.`
              : `Resume milestone ${parsed.data.milestone}?`,
          fields: { milestone: parsed.data.milestone },
          run: () => act(milestone),
        },
      };
    }
    case 'run-sweeper': {
      const sweep = actions.runSweeper;
      if (!sweep) return { ok: false, error: 'run-sweeper is not available in this build' };
      return { ok: true, value: { question: 'Run the sweeper now?', fields: {}, run: () => sweep() } };
    }
    default:
      return {
        ok: false,
        error: `unknown action "${name}": one of cancel-job, pause-key, resume-key, reset-session, run-sweeper, pause-milestone, resume-milestone`,
      };
  }
}

function parseKey(key: string) {
  const colon = key.indexOf(':');
  const hash = key.lastIndexOf('#');
  return { agent: key.slice(0, colon), repo: key.slice(colon + 1, hash), issue: Number(key.slice(hash + 1)) };
}

function invalid(error: z.ZodError) {
  return { ok: false as const, error: error.issues.map((i) => i.message).join('; ') };
}

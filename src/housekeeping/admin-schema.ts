/**
 * The admin API's request bodies, validated at the edge. Names come from an
 * operator but still reach paths and git: a repository is `owner/name` with no `.`/`..`
 * component, a branch passes git's own rules, an issue is a positive integer.
 */
import { z } from 'zod';
import { branchNameProblem } from '../workdir/index.js';

const component = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/)
  .refine((part) => part !== '.' && part !== '..');
export const repoSelector = z.string().refine((value) => {
  const parts = value.split('/');
  return parts.length === 2 && parts.every((part) => component.safeParse(part).success);
}, 'must be owner/name (letters, digits, _ . -; no "." or ".." parts)');

const agentSelector = z.string().regex(/^[a-z][a-z0-9-]*$/, 'must be an agent name (lower-case letters, digits, -)');
const branchSelector = z.string().superRefine((value, ctx) => {
  const problem = branchNameProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: `is not a branch name: it ${problem}` });
});
const issueSelector = z
  .number({ error: 'must be an issue number (a positive integer)' })
  .int('must be an issue number (a positive integer)')
  .positive('must be an issue number (a positive integer)');

export const selectorSchema = z.strictObject({
  agent: agentSelector.optional(),
  repo: repoSelector.optional(),
  issue: issueSelector.optional(),
  branch: branchSelector.optional(),
});

export const resetSchema = selectorSchema
  .extend({
    scope: z.enum(['session', 'worktree', 'cache', 'all'], { error: 'must be one of session, worktree, cache, all' }),
    dryRun: z.boolean().optional(),
    force: z.boolean().optional(),
  })
  .refine(
    (body) =>
      body.agent !== undefined || body.repo !== undefined || body.issue !== undefined || body.branch !== undefined,
    {
      message: 'name at least one of agent, repo, issue, branch: a reset of everything must be asked for key by key',
      path: ['agent'],
    },
  )
  .refine((body) => body.scope !== 'cache' || body.repo !== undefined, {
    message: 'scope "cache" needs repo (owner/name)',
    path: ['repo'],
  });

export type ResetRequest = z.infer<typeof resetSchema>;
export type Selector = z.infer<typeof selectorSchema>;

export const pauseSchema = z
  .strictObject({
    agent: agentSelector.optional(),
    repo: repoSelector.optional(),
    issue: issueSelector.optional(),
    reason: z.string().max(500).optional(),
  })
  .refine(
    (body) =>
      (body.repo === undefined && body.issue === undefined) ||
      (body.agent !== undefined && body.repo !== undefined && body.issue !== undefined),
    {
      message: 'pause everything (no selector), one agent (agent), or one key (agent, repo and issue together)',
      path: ['repo'],
    },
  );

export type PauseRequest = z.infer<typeof pauseSchema>;

/** Every problem of a body, one line each, naming the field: `issue: must be an issue number`. */
/** `POST /admin/sweep`: everything optional; an empty body sweeps for real, every task. */
export const sweepSchema = z.strictObject({
  dryRun: z.boolean({ error: 'must be true or false' }).optional(),
  task: z.string({ error: 'must be a task name' }).min(1, 'must be a task name').optional(),
});
export type SweepRequest = z.infer<typeof sweepSchema>;

export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''}${issue.message}`)
    .join('; ');
}

/**
 * What a pause or resume applies to: `*` (all dispatch), `agent:<name>`, or one key
 * (`key:<agent>:<host>/<owner>/<name>#<issue>`, which needs the forge's host to name it); or why
 * the request names nothing that can be paused.
 */
export function pauseScope(
  body: PauseRequest,
  agents: readonly string[],
  forgeHost: string | undefined,
): { ok: true; scope: string } | { ok: false; error: string; reason: string } {
  if (body.agent !== undefined && !agents.includes(body.agent)) {
    return {
      ok: false,
      error: `agent "${body.agent}" is not configured; agents: ${agents.join(', ') || 'none'}`,
      reason: 'unknown-agent',
    };
  }
  if (body.agent === undefined) return { ok: true, scope: '*' };
  if (body.repo === undefined) return { ok: true, scope: `agent:${body.agent}` };
  if (!forgeHost) return { ok: false, error: 'a one-key pause needs forge.url to name the key', reason: 'no-forge' };
  return { ok: true, scope: `key:${body.agent}:${`${forgeHost}/${body.repo}`.toLowerCase()}#${body.issue}` };
}

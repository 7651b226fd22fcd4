/**
 * The runner used when no model credential is configured: the job's worktree is prepared (so
 * routing, mailbox and workspace all run for real), then the job fails at once, without retrying,
 * saying why. Nothing is lost — the job keeps its events and stays listed as failed with this
 * message (`claude-hooks jobs`), so an operator sees exactly what would have run, and where.
 */
import type { WorkspaceAgentRunner } from './workspace-runner.js';

export const UNAVAILABLE_MESSAGE =
  'no model credential is configured (model.credential): the job was routed and its worktree prepared, but no Claude agent ran';

/** `reason`: why no agent runs (no model credential by default; no working sandbox). */
export function unavailableRunner(reason = UNAVAILABLE_MESSAGE): WorkspaceAgentRunner {
  return {
    async run(request) {
      return { ok: false, error: `${reason} (worktree ${request.workspace.path})`, retryable: false };
    },
  };
}

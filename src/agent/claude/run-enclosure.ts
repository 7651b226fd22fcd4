/**
 * A run's enclosure as its role calls for (`config/roles.ts`): the worktree writable for a role
 * that writes, the own branch pushable for one that pushes (the implementer), read-only and
 * fetch-only for the others; the session's own folder as its `CLAUDE_CONFIG_DIR`; the budget the
 * model proxy enforces (none left: every request refused).
 */
import { mkdir } from 'node:fs/promises';
import { policyOf } from '../../config/roles.js';
import type { ModelConfig } from '../../config/types.js';
import type { Logger } from '../../lib/logger.js';
import { ownBranchOnly } from '../../sandbox/git-proxy.js';
import type { Isolation, RunEnclosure } from '../../sandbox/isolation.js';
import type { ModelTroubleListener } from '../../sandbox/model-health.js';
import type { WorkspaceRunRequest } from '../workspace-runner.js';

export interface RunEnclosureInput {
  readonly request: WorkspaceRunRequest;
  readonly model: ModelConfig;
  readonly budgetUsd: number;
  /** The work key's session folder. */
  readonly configDir: string;
  /** Told of each failed model attempt, and of the recovery (the status comment says so). */
  readonly trouble?: ModelTroubleListener;
  readonly log: Logger;
}

/** A model stream silent this long is cut as stalled, unless `model.streamIdleSeconds` says otherwise. */
export const DEFAULT_STREAM_IDLE_SECONDS = 120;

export async function openRunEnclosure(isolation: Isolation, input: RunEnclosureInput): Promise<RunEnclosure> {
  const { request, log } = input;
  const { workspace } = request;
  const { writes, pushes } = policyOf(request.agent);
  await mkdir(input.configDir, { recursive: true, mode: 0o700 });
  const enclosure = await isolation.open({
    label: `job ${request.jobId} (${request.agent.name})`,
    agent: request.agent,
    model: input.model,
    budgetUsd: input.budgetUsd,
    modelWatch: {
      idleTimeoutMs: (input.model.streamIdleSeconds ?? DEFAULT_STREAM_IDLE_SECONDS) * 1000,
      ...input.trouble,
    },
    worktree: {
      path: workspace.path,
      ...workspace.gitDirs,
      writable: writes,
      scratch: request.agent.scratchWorktree === true,
    },
    git: {
      upstream: workspace.remoteUrl,
      push: pushes && workspace.branch !== undefined ? ownBranchOnly(workspace.branch) : undefined,
      onPushed: (updates) => {
        log.info({ refs: updates.map((update) => update.ref) }, 'the agent pushed through the git proxy');
        workspace.pushed?.(updates);
      },
    },
    configDir: input.configDir,
  });
  if (enclosure.isolation === 'none') log.warn('isolation: none — this run is not sandboxed');
  return enclosure;
}

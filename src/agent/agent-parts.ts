/**
 * The Claude runner's collaborators as the service wires them: each agent reads its thread, acts
 * on the forge and keeps its status comment with **its own** forge client (its token, its user),
 * so what an agent sees and does is exactly what its forge user may see and do.
 */
import type { AgentConfig } from '../config/types.js';
import type { ForgeClient } from '../forge/client.js';
import type { Logger } from '../lib/logger.js';
import type { Clock } from '../lib/clock.js';
import type { ClaudeRunnerOptions } from './claude/claude-runner.js';
import { createForgeTools } from './forge-tools/index.js';
import { createPromptComposer } from './prompt/compose.js';
import type { PromptComposer } from './prompt/types.js';
import type { LiveStatus } from './status/live-status.js';
import { createStatusReporter } from './status/status-reporter.js';

export type AgentParts = Pick<ClaudeRunnerOptions, 'forgeTools' | 'status'> & { readonly prompts: PromptComposer };

export interface AgentPartsOptions {
  /** Each configured agent's forge client, by agent name. */
  readonly clients: ReadonlyMap<string, ForgeClient>;
  readonly clock: Clock;
  readonly log: Logger;
  /** Where each run's current activity is kept for the dashboard. */
  readonly live?: LiveStatus;
  /** The service's redactor: a status comment is public, and what it quotes may hold a secret. */
  readonly redact?: (text: string) => string;
}

export function createAgentParts(options: AgentPartsOptions): AgentParts {
  const clientOf = (agent: AgentConfig): ForgeClient => {
    const client = options.clients.get(agent.name);
    if (!client) throw new Error(`agent ${agent.name} has no forge client: is it configured?`);
    return client;
  };
  const composers = new Map<string, Required<PromptComposer>>();
  const composerOf = (agent: AgentConfig): Required<PromptComposer> => {
    let composer = composers.get(agent.name);
    if (!composer) {
      composer = createPromptComposer({ forge: clientOf(agent) });
      composers.set(agent.name, composer);
    }
    return composer;
  };
  return {
    prompts: {
      compose: (request) => composerOf(request.agent).compose(request),
      begin: (request) => composerOf(request.agent).begin(request),
    },
    forgeTools: (tools) =>
      createForgeTools({ ...tools, client: clientOf(tools.agent), redact: options.redact, log: options.log }),
    status: (target) => {
      const reporter = createStatusReporter({
        client: clientOf(target.agent),
        repo: target.repo,
        issue: target.key.issue,
        agent: target.agent.name,
        jobId: target.jobId,
        attempt: target.attempt,
        login: target.agent.login,
        clock: options.clock,
        startedAt: options.clock.now(),
        log: options.log,
        redact: options.redact,
      });
      return options.live ? options.live.track(target.jobId, reporter) : reporter;
    },
  };
}

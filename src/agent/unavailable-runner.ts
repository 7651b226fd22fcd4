/**
 * The runner used until the Claude agent runner is wired in: it fails each job at once, without
 * retrying, saying why. Nothing is lost — the job keeps its events and stays listed as failed
 * with this message (`claude-hooks jobs`), so an operator sees exactly what would have run.
 */
import type { AgentRunner } from '../queue/ports.js';

export const UNAVAILABLE_MESSAGE = 'no agent runner is configured in this release: the job was routed and its workspace prepared, but no Claude agent ran';

export function unavailableRunner(): AgentRunner {
  return {
    async run() {
      return { ok: false, error: UNAVAILABLE_MESSAGE, retryable: false };
    },
  };
}

/**
 * Live follow-ups (issue #10): a new comment on an issue or PR whose agent is still running goes
 * into the running session, not only into the mailbox's follow-up job. Told of every stored event
 * (the store's event listener); hands comments to `deliver` for each agent's key on that issue.
 * An agent's own comments are never sent back to it.
 */
import type { AgentConfig } from '../../config/types.js';
import type { EventListener } from '../../intake/ports.js';
import type { Logger } from '../../lib/logger.js';
import { repoKey } from '../../forge/events.js';
import type { ClaudeRunner } from './claude-runner.js';

export function liveFollowUps(runner: Pick<ClaudeRunner, 'deliver'>, agents: readonly AgentConfig[], log: Logger): EventListener {
  return (stored) => {
    const { event } = stored;
    if (event.type !== 'comment' || event.action !== 'created') return;
    for (const agent of agents) {
      if (event.comment.author.login.toLowerCase() === agent.login.toLowerCase()) continue;
      const key = { agent: agent.name, repo: repoKey(event.repo), issue: event.issue.number };
      runner.deliver(key, stored).catch((error: unknown) => log.warn({ err: error, event: stored.id, agent: agent.name }, 'live follow-up failed; the follow-up job will answer it'));
    }
  };
}

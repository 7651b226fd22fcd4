/**
 * Live follow-ups: a new comment on an issue or PR whose agent is still running goes
 * into the running session, not only into the mailbox's follow-up job. Told of every stored event
 * (the store's event listener); hands comments to `deliver` for each agent's key on that issue.
 *
 * Only a comment a person who may start runs wrote (routing's rule, `personMayTrigger`: write
 * access or `dispatch.allowUsers`) goes in live. Anyone else's comment would otherwise reach the
 * model of a running session without passing the guard that keeps them from starting one; and no
 * agent's comment goes in live, its own or another's — agents hand off only through routed
 * triggers, which the follow-up job still answers.
 */
import type { AgentConfig } from '../../config/types.js';
import type { EventListener, StoredEvent } from '../../core/stored-event.js';
import type { Logger } from '../../lib/logger.js';
import { repoKey, type CommentEvent } from '../../core/events.js';
import { personMayTrigger, type TriggerRule } from '../../queue/route-event.js';
import type { ClaudeRunner } from './claude-runner.js';

export function liveFollowUps(runner: Pick<ClaudeRunner, 'deliver'>, rule: TriggerRule, log: Logger): EventListener {
  return (stored) => {
    const { event } = stored;
    if (event.type !== 'comment' || event.action !== 'created') return;
    authorMayTrigger(rule, event)
      .then((allowed) => {
        if (!allowed) {
          log.debug(
            { event: stored.id, author: event.comment.author.login },
            'comment not delivered live: its author may not trigger agents',
          );
          return;
        }
        deliverToEach(runner, rule.agents, stored, event, log);
      })
      .catch((error: unknown) =>
        log.warn(
          { err: error, event: stored.id },
          'could not check who wrote a comment; not delivered live, the follow-up job will answer it',
        ),
      );
  };
}

/** The comment's author and the event's sender (the same person for a new comment) must both pass. */
async function authorMayTrigger(rule: TriggerRule, event: CommentEvent): Promise<boolean> {
  const logins = new Set([event.comment.author.login, event.actor.login]);
  for (const login of logins) {
    if (!(await personMayTrigger(rule, event.repo, login))) return false;
  }
  return true;
}

function deliverToEach(
  runner: Pick<ClaudeRunner, 'deliver'>,
  agents: readonly AgentConfig[],
  stored: StoredEvent,
  event: CommentEvent,
  log: Logger,
): void {
  for (const agent of agents) {
    const key = { agent: agent.name, repo: repoKey(event.repo), issue: event.issue.number };
    runner
      .deliver(key, stored)
      .catch((error: unknown) =>
        log.warn(
          { err: error, event: stored.id, agent: agent.name },
          'live follow-up failed; the follow-up job will answer it',
        ),
      );
  }
}

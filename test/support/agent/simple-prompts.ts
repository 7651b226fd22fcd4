/**
 * A plain prompt composer for runner tests, so they exercise the runner's own logic (sessions,
 * resume, live follow-ups) and not the real composer's wording: the full prompt lists every
 * comment of the job; a delta lists the events after the cursor, and is empty when there are none.
 */
import type { ComposedPrompt, PromptComposer, PromptRequest } from '../../../src/agent/prompt/types.js';
import type { StoredEvent } from '../../../src/core/stored-event.js';
import type { SessionCursor } from '../../../src/sessions/cursor.js';

export function simplePrompts(): PromptComposer & { readonly requests: PromptRequest[] } {
  const requests: PromptRequest[] = [];
  return {
    requests,
    async compose(request) {
      requests.push(request);
      const seen = request.cursor?.lastEventId ?? 0;
      const fresh = request.events.filter((stored) => stored.id > seen);
      const lines = fresh.map(line);
      const text = request.cursor
        ? `New on #${request.issue}:\n${lines.join('\n')}`
        : `You are ${request.agent.name} on ${request.repo.fullName}#${request.issue}.\n${lines.join('\n')}`;
      return prompt(
        request.cursor ? 'delta' : 'full',
        text,
        cursorAfter(request.cursor, request.events),
        request.cursor !== undefined && fresh.length === 0,
      );
    },
  };
}

function line(stored: StoredEvent): string {
  const event = stored.event;
  if (event.type === 'comment') return `${event.comment.author.login} commented: ${event.comment.body}`;
  if (event.type === 'issue') return `${event.actor.login} ${event.action} the issue: ${event.issue.body}`;
  return `${event.actor.login}: ${event.type}`;
}

function cursorAfter(cursor: SessionCursor | undefined, events: readonly StoredEvent[]): SessionCursor {
  const lastEventId = Math.max(cursor?.lastEventId ?? 0, ...events.map((e) => e.id));
  return {
    lastEventId,
    lastCommentId: 0,
    lastCommentUpdatedAt: null,
    lastReviewId: 0,
    headSha: null,
    issueState: 'open',
    labels: [],
  };
}

function prompt(kind: 'full' | 'delta', text: string, cursor: SessionCursor, empty: boolean): ComposedPrompt {
  return { kind, text, bytes: Buffer.byteLength(text), cursor, empty };
}

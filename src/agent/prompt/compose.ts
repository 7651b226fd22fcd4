/**
 * `createPromptComposer({ forge })`: the prompt builder. A request without a cursor reads the whole
 * thread and composes the full prompt; with a cursor it reads only what the forge has that is new
 * since it (comments updated since `lastCommentUpdatedAt`, reviews after `lastReviewId`), merges
 * that with the job's events and composes the delta. Reading the forge every time, rather than
 * trusting the events, is what makes a missed or late webhook delivery show up anyway.
 */
import { advanceCursor } from './advance-cursor.js';
import { deltaPrompt } from './delta-prompt.js';
import { fullPrompt } from './full-prompt.js';
import { findNews } from './news.js';
import { readThread, type ThreadReader } from './thread.js';
import type { ComposedPrompt, PromptComposer, PromptKind, PromptRequest } from './types.js';
import type { SessionCursor } from '../../sessions/cursor.js';

export interface PromptComposerDeps {
  /** The forge as the agent's own user (the Gitea client satisfies it). */
  readonly forge: ThreadReader;
}

export function createPromptComposer(deps: PromptComposerDeps): PromptComposer {
  return {
    async compose(request) {
      const { cursor } = request;
      if (cursor === undefined) return composeFull(deps.forge, request);
      return composeDelta(deps.forge, request, cursor);
    },
  };
}

async function composeFull(forge: ThreadReader, request: PromptRequest): Promise<ComposedPrompt> {
  const thread = await readThread(forge, request.repo.fullName, request.issue, { linkedPulls: true });
  const text = fullPrompt({ agent: request.agent, skill: request.skill, repo: request.repo, thread, workspace: request.workspace });
  return composed('full', text, advanceCursor(undefined, thread, thread.comments, request.events), false);
}

async function composeDelta(forge: ThreadReader, request: PromptRequest, cursor: SessionCursor): Promise<ComposedPrompt> {
  const thread = await readThread(forge, request.repo.fullName, request.issue, {
    commentsSince: cursor.lastCommentUpdatedAt,
    reviewsAfter: cursor.lastReviewId,
    linkedPulls: false,
  });
  const news = findNews({ thread, cursor, events: request.events, agentLogin: request.agent.login, workspace: request.workspace });
  const text = deltaPrompt({ agent: request.agent, repoName: request.repo.fullName, thread, items: news.items, workspace: request.workspace });
  return composed('delta', text, advanceCursor(cursor, thread, news.comments, request.events), news.items.length === 0);
}

function composed(kind: PromptKind, text: string, cursor: SessionCursor, empty: boolean): ComposedPrompt {
  return { kind, text, bytes: Buffer.byteLength(text, 'utf8'), cursor, empty };
}

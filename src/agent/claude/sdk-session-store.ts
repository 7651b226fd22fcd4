/**
 * The SDK's `sessionStore` (alpha) over our transcript store. Keys are the session id (and the
 * subagent subpath): the SDK's `projectKey` — by default the run's cwd — is ignored, because the
 * same session resumes in another worktree on another worker (checked: a resume from another
 * cwd and an empty CLAUDE_CONFIG_DIR then finds the conversation).
 */
import type { SessionStore, SessionStoreEntry } from '@anthropic-ai/claude-agent-sdk';
import type { TranscriptStore } from '../../sessions/transcript-store.js';

export function sdkSessionStore(transcripts: TranscriptStore): SessionStore {
  return {
    append: (key, entries) => transcripts.append(key.sessionId, key.subpath, entries),
    load: async (key) => (await transcripts.load(key.sessionId, key.subpath)) as SessionStoreEntry[] | null,
    listSubkeys: (key) => transcripts.subpaths(key.sessionId),
    delete: async (key) => {
      await transcripts.remove(key.sessionId);
    },
  };
}

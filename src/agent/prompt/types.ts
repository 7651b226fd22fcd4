/**
 * The prompt builder's contract: what a run sends the model. A new session gets the **full**
 * prompt (role, repository, the whole thread, what woke the run that the thread does not show, the
 * conventions); a resumed one only the **delta** since its cursor (new and edited comments,
 * reviews, pushes by others, state and label changes) plus one line restating the role. Untrusted
 * text (bodies, comments, reviews) is quoted as data from named authors, with invisible and bidi
 * characters and HTML comments stripped.
 */
import type { AgentConfig } from '../../config/types.js';
import type { RepoRef } from '../../core/events.js';
import type { StoredEvent } from '../../core/stored-event.js';
import type { SessionCursor } from '../../sessions/cursor.js';

export type PromptKind = 'full' | 'delta';

export interface PromptRequest {
  readonly agent: AgentConfig;
  /** The agent's skill file, read by the caller. */
  readonly skill: string;
  readonly repo: RepoRef;
  /** The issue or PR number of the work key. */
  readonly issue: number;
  readonly workspace: {
    readonly branch: string | undefined;
    readonly head: string;
    readonly remoteMoved: boolean;
    /**
     * The default branch's CLAUDE.md, read by the service when the operator turned on
     * `projectInstructions` (the runtime itself loads no file of the repository).
     */
    readonly projectInstructions?: string;
  };
  /** The job's events, oldest first. */
  readonly events: readonly StoredEvent[];
  /** The resumed session's cursor; undefined for a new session (full prompt). */
  readonly cursor: SessionCursor | undefined;
}

export interface ComposedPrompt {
  readonly kind: PromptKind;
  /** The user message to send. */
  readonly text: string;
  /** UTF-8 bytes of `text`. */
  readonly bytes: number;
  /** The cursor after this prompt: everything it showed counts as seen. */
  readonly cursor: SessionCursor;
  /** A delta with nothing new in it (the events were answered already, e.g. by a live follow-up). */
  readonly empty: boolean;
}

/** What the prompt says about the worktree, known only once the worktree is acquired. */
export type PromptWorkspace = PromptRequest['workspace'];

/** Builds the prompt; reads the thread (and, for a delta with a gap, what is new) from the forge. */
export interface PromptComposer {
  compose(request: PromptRequest): Promise<ComposedPrompt>;
  /**
   * Starts reading the forge for a prompt before the worktree is known (the runner does it while
   * the worktree is acquired); the returned function composes once it is, exactly as `compose`
   * with the same request and that workspace would. Optional: without it, the runner calls
   * `compose` once the worktree is ready.
   */
  begin?(request: Omit<PromptRequest, 'workspace'>): (workspace: PromptWorkspace) => Promise<ComposedPrompt>;
}

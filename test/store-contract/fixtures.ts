/**
 * The values the contract tests build runs and sessions from: a work key in the test repository
 * and a finished run's record, each with defaults a test overrides only where it matters.
 */
import type { WorkKey } from '../../src/core/work-key.js';
import { NOTHING_BLOCKED, type RunFinish } from '../../src/sessions/ports.js';
import { REPO_KEY } from './through-ports.js';

export const key = (agent: string, issue: number, repo = REPO_KEY): WorkKey => ({ agent, repo, issue });

/** The boss agent's key on `issue` of the test repository. */
export const boss = (issue: number): WorkKey => key('boss', issue);

/** A sandboxed run that succeeded in one turn at no cost, refused nothing, with no session or prompt recorded. */
export const runFinish = (overrides: Partial<RunFinish> = {}): RunFinish => ({
  sessionId: undefined,
  session: 'new',
  resumeFallback: undefined,
  prompt: undefined,
  finishedAt: 2,
  turns: 1,
  tokens: { input: 0, output: 0, cacheRead: 0, cacheCreation: 0 },
  costUsd: 0,
  outcome: 'succeeded',
  error: undefined,
  toolCalls: [],
  changes: [],
  statusCommentId: undefined,
  isolation: 'bwrap',
  blocked: NOTHING_BLOCKED,
  ...overrides,
});

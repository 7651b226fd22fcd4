/** The job the crash test runs twice: once in a child that is killed, once after. */
import { join } from 'node:path';
import type { WorkspaceRunRequest } from '../../../src/agent/workspace-runner.js';
import type { AgentConfig } from '../../../src/config/types.js';
import { Secret } from '../../../src/lib/secret.js';
import { makeAgent } from '../workdir/fixture.js';
import { commented, REPO } from '../events.js';

export function crashAgent(modelUrl: string): AgentConfig {
  return {
    ...makeAgent('dev', 'tok-dev-crash'),
    model: {
      name: 'claude-sonnet-4-5',
      credential: { kind: 'api-key', secret: new Secret('scripted-model-key') },
      baseUrl: modelUrl,
    },
  };
}

const IDENTITY = {
  GIT_AUTHOR_NAME: 'dev agent',
  GIT_AUTHOR_EMAIL: 'dev@agents.test',
  GIT_COMMITTER_NAME: 'dev agent',
  GIT_COMMITTER_EMAIL: 'dev@agents.test',
};

export function crashRequest(
  agent: AgentConfig,
  cwd: string,
  issue: number,
  body: string,
  eventId = 1,
): WorkspaceRunRequest {
  return {
    jobId: eventId,
    key: { agent: agent.name, repo: 'forge.test/acme/widget', issue },
    agent,
    repo: REPO,
    attempt: 1,
    events: [
      { id: eventId, deliveryId: `crash-${eventId}`, receivedAt: Date.now(), event: commented(issue, 'alice', body) },
    ],
    signal: new AbortController().signal,
    workspace: {
      path: cwd,
      branch: `issue-${issue}-crash`,
      head: '',
      env: IDENTITY,
      identity: IDENTITY,
      // A plain repository stands in for the worktree: its git dir is its own.
      gitDirs: { adminDir: join(cwd, '.git'), commonDir: join(cwd, '.git') },
      remoteUrl: 'http://127.0.0.1:9/acme/widget.git',
      readDefaultBranchFile: async () => undefined,
      remoteMoved: false,
      sync: { kind: 'unchanged' },
      fetched: true,
      localWork: async () => ({ uncommitted: false, unpushedCommits: 0 }),
    },
  };
}

/**
 * The demo's stand-in for the Claude agent runner (which arrives with a later issue): each agent
 * answers on the forge through the service's REST client, and dev really runs the Claude Agent
 * SDK against the scripted model in its worktree — the model's Bash tool call commits a file and
 * pushes the issue branch with dev's identity and token.
 */
import { query } from '@anthropic-ai/claude-agent-sdk';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkspaceAgentRunner, WorkspaceRunRequest } from '../src/agent/workspace-runner.js';
import { createGiteaClient } from '../src/forge/rest/gitea-client.js';
import { silentLogger } from '../src/lib/logger.js';
import { bash, sdkEnv, text, type ScriptedModel } from '../test/support/model/index.js';

export function createDemoRunner(options: { modelUrl: string; model: ScriptedModel }) {
  const configDir = mkdtempSync(join(tmpdir(), 'claude-hooks-demo-claude-'));
  let forgeUrl = '';

  const devWorks = async (request: WorkspaceRunRequest) => {
    const file = `notes/issue-${request.key.issue}.md`;
    options.model.enqueue(
      [text('I will record the plan and push the branch.'), bash(`mkdir -p notes && echo "Plan for issue ${request.key.issue}" >> ${file} && git add ${file} && git commit -q -m "Plan issue ${request.key.issue}" && git push -q origin HEAD`)],
      text('Pushed the branch.'),
    );
    let result = '';
    for await (const message of query({
      prompt: `Events to answer: ${request.events.map((e) => e.event.type).join(', ')}`,
      options: { cwd: request.workspace.path, env: { ...sdkEnv({ modelUrl: options.modelUrl, configDir }), ...request.workspace.env }, permissionMode: 'bypassPermissions', maxTurns: 4 },
    })) {
      if (message.type === 'result') result = message.subtype;
    }
    if (result !== 'success') throw new Error(`the SDK run ended with ${result}`);
  };

  const runner: WorkspaceAgentRunner = {
    async run(request) {
      const client = createGiteaClient({ baseUrl: forgeUrl, token: request.agent.token, log: silentLogger() });
      if (request.agent.name === 'dev') await devWorks(request);
      const where = request.workspace.branch ? `branch \`${request.workspace.branch}\`` : `a detached checkout at ${request.workspace.head.slice(0, 8)}`;
      await client.createComment(request.repo.fullName, request.key.issue, `${request.agent.name} (demo runner) looked at ${request.events.length} event(s) in ${where}.`);
      return { ok: true };
    },
  };
  return { runner, setForge: (url: string) => (forgeUrl = url), cleanup: () => rmSync(configDir, { recursive: true, force: true }) };
}

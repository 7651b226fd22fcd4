/**
 * The forge tools through the real Claude Agent SDK: the scripted model calls
 * `mcp__forge__comment` and `mcp__forge__open_pull_request`, the runtime runs them against the
 * forge double, and what the forge refused reaches the model in the next request as a
 * `tool_result` with `is_error` — text the agent can act on.
 */
import { query, type SDKMessage } from '@anthropic-ai/claude-agent-sdk';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createForgeTools } from '../../src/agent/forge-tools/index.js';
import type { ForgeChange } from '../../src/core/forge-change.js';
import { createGiteaClient } from '../../src/forge/rest/gitea-client.js';
import { silentLogger } from '../../src/lib/logger.js';
import { Secret } from '../../src/lib/secret.js';
import { agent } from '../support/agents.js';
import { startForgeDouble, type ForgeDouble } from '../support/forge/forge-double.js';
import {
  sdkEnv,
  startScriptedModel,
  text,
  tool,
  toolResultsIn,
  toolUsesIn,
  type ScriptedModel,
  type TurnRequest,
} from '../support/model/index.js';

const REPO = 'acme/app';

describe('forge tools driven by the real SDK and the scripted model', () => {
  let root: string;
  let forge: ForgeDouble;
  let model: ScriptedModel;
  let issue: number;
  const changes: ForgeChange[] = [];
  let messages: SDKMessage[];
  let turns: TurnRequest[];

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'forge-tools-sdk-'));
    forge = await startForgeDouble({ webhookSecret: 'secret', checkOpenApi: true });
    model = await startScriptedModel();
    forge.addUser('alice');
    const dev = forge.addUser('dev');
    await forge.createRepo('acme', 'app', { collaborators: { alice: 'write', dev: 'write' } });
    issue = (await forge.as('alice').openIssue(REPO, { title: 'Crash on start' })).number;
    await forge.as('dev').pushCommit(REPO, { branch: 'issue-1-crash', files: { 'fix.txt': 'fixed\n' } });
    const client = createGiteaClient({ baseUrl: forge.url, token: new Secret(dev.token), log: silentLogger() });
    const tools = createForgeTools({
      client,
      repo: await client.getRepository(REPO),
      issue,
      agent: agent('dev'),
      branch: 'issue-1-crash',
      reviewers: ['reviewer'],
      onChange: (change) => changes.push(change),
    });
    model.setScript([
      tool('mcp__forge__comment', { body: 'Looking into the crash.' }),
      tool('mcp__forge__open_pull_request', { title: 'Fix the crash', body: `Closes #${issue}` }),
      tool('mcp__forge__open_pull_request', { title: 'Fix the crash again', body: '' }),
      tool('mcp__forge__submit_review', { event: 'APPROVED', body: '' }),
      text('Opened the PR.'),
    ]);

    messages = [];
    const from = model.requests.length;
    const options = {
      cwd: root,
      env: sdkEnv({ modelUrl: model.url, configDir: join(root, 'claude-config') }),
      mcpServers: { forge: tools.server },
      allowedTools: [...tools.allowedTools],
      permissionMode: 'bypassPermissions' as const,
      allowDangerouslySkipPermissions: true,
    };
    for await (const message of query({ prompt: 'Fix the crash.', options })) messages.push(message);
    turns = model.requests.slice(from).filter((request): request is TurnRequest => request.kind === 'turn');
    await forge.idle();
  });

  after(async () => {
    await model.close();
    await forge.close();
    await rm(root, { recursive: true, force: true });
  });

  it('runs to a successful result', () => {
    const result = messages.at(-1);

    assert.equal(result?.type === 'result' && result.subtype, 'success');
    assert.equal(turns.length, 5);
  });

  it("posts the comment and opens the PR on the forge, as the agent's user, and reports both changes", () => {
    const [comment] = forge.comments(REPO, issue);
    const pull = forge.pulls(REPO).at(-1);

    assert.equal(comment?.body, 'Looking into the crash.');
    assert.equal(comment?.author, 'dev');
    assert.deepEqual(
      [pull?.title, pull?.author, pull?.pull?.headRef, pull?.pull?.baseRef],
      ['Fix the crash', 'dev', 'issue-1-crash', 'main'],
    );
    assert.deepEqual(
      changes.map((change) => change.kind),
      ['comment', 'pull'],
    );
    assert.deepEqual(forge.openApiViolations(), []);
  });

  it("sends each successful call's text back to the model as a tool_result", () => {
    // Each request carries the whole conversation; the last tool_result is the newest call's.
    const commented = toolResultsIn(turns[1]!.body).at(-1);
    const opened = toolResultsIn(turns[2]!.body).at(-1);

    assert.equal(commented?.isError, false);
    assert.match(commented?.text ?? '', /^Posted comment \d+ on #1: /);
    assert.equal(opened?.isError, false);
    assert.match(opened?.text ?? '', /^Opened pull request #\d+ \(issue-1-crash → main\)/);
  });

  it('sends the refused second PR (409) to the model as an error tool_result naming the open PR', () => {
    const call = toolUsesIn(turns[3]!.body).at(-1);
    const refused = toolResultsIn(turns[3]!.body).at(-1);

    assert.equal(call?.name, 'mcp__forge__open_pull_request');
    assert.equal(refused?.toolUseId, call?.id);
    assert.equal(refused?.isError, true);
    assert.match(
      refused?.text ?? '',
      /pull request #\d+ \(http:[^)]+\) from issue-1-crash into main is already open.*pull request already exists for these targets/,
    );
  });

  it('gives the dev no submit_review: the call comes back as an error and the forge has no review', () => {
    const refused = toolResultsIn(turns[4]!.body).at(-1);

    assert.equal(toolUsesIn(turns[4]!.body).at(-1)?.name, 'mcp__forge__submit_review');
    assert.equal(refused?.isError, true);
    assert.match(refused?.text ?? '', /No such tool available: mcp__forge__submit_review/);
    assert.deepEqual(forge.reviews(REPO, forge.pulls(REPO).at(-1)!.number), []);
  });
});

/**
 * The real Claude Agent SDK, and the Claude Code runtime it spawns, driven against the scripted
 * model: proves the model double before the agent runner needs it, and pins the SDK
 * facts docs/decisions.md §1 and §2 rest on, so an SDK upgrade that changes them fails here.
 */
import {
  createSdkMcpServer,
  type Options,
  query,
  type SDKMessage,
  tool as sdkTool,
} from '@anthropic-ai/claude-agent-sdk';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { z } from 'zod';
import {
  bash,
  dialogue,
  edit,
  lastUserMessage,
  type RecordedRequest,
  type ScriptedModel,
  sdkEnv,
  startScriptedModel,
  text,
  textsOf,
  tool,
  toolResultsIn,
  toolUsesIn,
  transcriptPath,
  type TurnRequest,
  write,
} from '../support/model/index.js';

const exec = promisify(execFile);

async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await exec('git', args, { cwd });
  return stdout.trim();
}

async function createRepo(path: string): Promise<string> {
  await mkdir(path, { recursive: true });
  await git(path, 'init', '-q', '-b', 'main');
  await git(path, 'config', 'user.name', 'Scripted Agent');
  await git(path, 'config', 'user.email', 'agent@example.test');
  await git(path, 'commit', '-q', '--allow-empty', '-m', 'Initial commit');
  return path;
}

interface AgentRun {
  readonly messages: readonly SDKMessage[];
  readonly error: Error | undefined;
  /** Every request the model received during this run. */
  readonly requests: readonly RecordedRequest[];
  /** The agent's turns among them. */
  readonly turns: readonly TurnRequest[];
}

describe('the Claude Agent SDK against the scripted model', () => {
  let root: string;
  let configDir: string;
  let model: ScriptedModel;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'sdk-scripted-model-'));
    configDir = join(root, 'claude-config');
    model = await startScriptedModel();
  });

  after(async () => {
    await model.close();
    await rm(root, { recursive: true, force: true });
  });

  async function runAgent(prompt: string, options: Options): Promise<AgentRun> {
    const from = model.requests.length;
    const messages: SDKMessage[] = [];
    let error: Error | undefined;
    try {
      const base: Options = {
        env: sdkEnv({ modelUrl: model.url, configDir }),
        permissionMode: 'bypassPermissions',
        allowDangerouslySkipPermissions: true,
      };
      for await (const message of query({ prompt, options: { ...base, ...options } })) messages.push(message);
    } catch (caught) {
      error = caught instanceof Error ? caught : new Error(String(caught));
    }
    const requests = model.requests.slice(from);
    const turns = requests.filter((request): request is TurnRequest => request.kind === 'turn');
    return { messages, error, requests, turns };
  }

  function initOf(run: AgentRun) {
    const init = run.messages.find((message) => message.type === 'system' && message.subtype === 'init');
    assert.ok(init, `no init message in ${JSON.stringify(run.messages.map((m) => m.type))} (${run.error})`);
    return init;
  }

  function resultOf(run: AgentRun) {
    const result = run.messages.at(-1);
    assert.equal(result?.type, 'result', `the run ended without a result (${run.error})`);
    return result;
  }

  describe('a run whose model commits a file with Bash, then a resume of it', () => {
    const prompt = 'Add hello.txt and commit it.';
    let cwd: string;
    let first: AgentRun;

    before(async () => {
      cwd = await createRepo(join(root, 'commit-repo'));
      model.setScript([
        [
          text('Adding the file.'),
          bash('printf "hello\\n" > hello.txt && git add hello.txt && git commit -m "Add hello"'),
        ],
        text('Committed hello.txt.'),
      ]);
      first = await runAgent(prompt, { cwd });
    });

    it('runs the Bash call in cwd: the commit is in the repository', async () => {
      assert.equal(first.error, undefined);
      assert.equal(await git(cwd, 'log', '-1', '--format=%s'), 'Add hello');
      assert.equal(await git(cwd, 'show', 'HEAD:hello.txt'), 'hello');
    });

    it('carries the session_id of the init message on every message up to the result', () => {
      const sessionId = initOf(first).session_id;
      const result = resultOf(first);

      assert.match(sessionId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      assert.equal(first.messages[0]?.type, 'system');
      assert.equal(result.session_id, sessionId);
      assert.deepEqual(
        first.messages.filter((message) => message.session_id !== sessionId),
        [],
      );
      assert.equal(result.subtype, 'success');
      assert.equal(result.subtype === 'success' && result.result, 'Committed hello.txt.');
      // The runtime also names the session in a header of every model request.
      assert.deepEqual(
        first.turns.map((request) => request.headers['x-claude-code-session-id']),
        [sessionId, sessionId],
      );
    });

    it('sends the tool_result of the Bash call in the next request', () => {
      const [call] = toolUsesIn(first.turns[1]!.body);
      const results = toolResultsIn(first.turns[1]!.body);

      assert.equal(first.turns.length, 2);
      assert.equal(call?.name, 'Bash');
      assert.equal(results.length, 1);
      assert.equal(results[0]?.toolUseId, call.id);
      assert.equal(results[0]?.isError, false);
      assert.match(results[0]?.text ?? '', /\[main [0-9a-f]+\] Add hello/);
      assert.equal(model.dryReplies, 0);
    });

    it('sends nothing but the agent turns with non-essential traffic disabled', () => {
      assert.deepEqual(
        first.requests.map((request) => request.kind),
        ['turn', 'turn'],
      );
    });

    it('writes the transcript to <CLAUDE_CONFIG_DIR>/projects/<cwd, / → ->/<session_id>.jsonl', () => {
      assert.ok(existsSync(transcriptPath(configDir, cwd, initOf(first).session_id)));
    });

    it('resumes with the earlier conversation in the first request and only the new prompt after it', async () => {
      const sessionId = initOf(first).session_id;
      model.setScript([text('Nothing else to do.')]);

      const resumed = await runAgent('Anything left?', { cwd, resume: sessionId });

      assert.equal(resumed.error, undefined);
      assert.equal(initOf(resumed).session_id, sessionId);
      assert.equal(resultOf(resumed).session_id, sessionId);
      const firstRequest = resumed.turns[0]!.body;
      const messages = dialogue(firstRequest);
      assert.deepEqual(
        messages.map((message) => message.role),
        ['user', 'assistant', 'user', 'assistant', 'user'],
      );
      assert.deepEqual(textsOf(messages[0]!), [prompt]);
      assert.deepEqual(
        toolUsesIn(firstRequest).map((call) => call.name),
        ['Bash'],
      );
      assert.match(toolResultsIn(firstRequest)[0]?.text ?? '', /Add hello/);
      assert.deepEqual(textsOf(messages[3]!), ['Committed hello.txt.']);
      assert.deepEqual(textsOf(lastUserMessage(firstRequest)!), ['Anything left?']);
    });
  });

  it('applies scripted Write and Edit calls to files in cwd', async () => {
    const cwd = await createRepo(join(root, 'edit-repo'));
    model.setScript([
      write('notes.md', '# Notes\n\nDraft.\n'),
      edit('notes.md', 'Draft.', 'Final.'),
      text('Wrote the notes.'),
    ]);

    const run = await runAgent('Write the notes.', { cwd });

    assert.equal(run.error, undefined);
    assert.equal(await readFile(join(cwd, 'notes.md'), 'utf8'), '# Notes\n\nFinal.\n');
    assert.deepEqual(
      run.turns.slice(1).map((request) => toolResultsIn(request.body).at(-1)?.isError),
      [false, false],
    );
  });

  it('calls an in-process MCP tool when the model emits mcp__forge__<name>', async () => {
    const calls: unknown[] = [];
    const forge = createSdkMcpServer({
      name: 'forge',
      tools: [
        sdkTool('comment', 'Comment on an issue', { issue: z.number(), body: z.string() }, async (args) => {
          calls.push(args);
          return { content: [{ type: 'text', text: 'comment 17 posted' }] };
        }),
      ],
    });
    const cwd = await createRepo(join(root, 'mcp-repo'));
    model.setScript([tool('mcp__forge__comment', { issue: 4, body: 'Working on it.' }), text('Commented.')]);

    const run = await runAgent('Tell issue 4 you are on it.', { cwd, mcpServers: { forge } });

    assert.equal(run.error, undefined);
    assert.deepEqual(calls, [{ issue: 4, body: 'Working on it.' }]);
    assert.deepEqual(
      toolResultsIn(run.turns[1]!.body).map((result) => result.text),
      ['comment 17 posted'],
    );
  });

  it("answers the runtime's auxiliary requests without consuming the script when non-essential traffic is on", async () => {
    const cwd = await createRepo(join(root, 'chatty-repo'));
    const { CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: _, ...env } = sdkEnv({ modelUrl: model.url, configDir });
    model.setScript([text('Hello back.')]);

    const run = await runAgent('Say hello.', { cwd, env });

    const result = resultOf(run);
    assert.equal(result.subtype === 'success' && result.result, 'Hello back.');
    assert.equal(model.remaining, 0);
    const auxiliary = run.requests.flatMap((request) =>
      request.kind === 'auxiliary' ? [`${request.reason}: ${request.method} ${request.path}`] : [],
    );
    assert.deepEqual(auxiliary.sort(), ['HEAD probe: HEAD /api/hello', 'no tools: POST /v1/messages']);
  });

  it('fails a resume of an unknown session id with a "No conversation found" error result, then a throw', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    const cwd = await createRepo(join(root, 'unknown-repo'));

    const run = await runAgent('Go on.', { cwd, resume: unknown });

    assert.deepEqual(
      run.messages.map((message) => message.type),
      ['result'],
    );
    const result = resultOf(run);
    assert.equal(result.subtype, 'error_during_execution');
    assert.equal(result.is_error, true);
    assert.equal(result.session_id, unknown);
    assert.deepEqual(result.errors, [`No conversation found with session ID: ${unknown}`]);
    assert.ok(run.error instanceof Error);
    assert.equal(
      run.error.message,
      `Claude Code returned an error result: No conversation found with session ID: ${unknown}`,
    );
    assert.equal((run.error as Error & { errorClass?: string }).errorClass, 'error_result');
    assert.deepEqual(run.turns, []);
  });

  it('resumes from another cwd, even after the original worktree is removed', async () => {
    const repo = await createRepo(join(root, 'worktree-repo'));
    const original = join(root, 'worktree-a');
    const moved = join(root, 'worktree-b');
    await git(repo, 'worktree', 'add', '-q', '-b', 'issue-4', original);
    model.setScript([
      bash('printf "one\\n" > one.txt && git add one.txt && git commit -m "Add one"'),
      text('Added one.txt.'),
    ]);
    const started = await runAgent('Add one.txt.', { cwd: original });
    const sessionId = initOf(started).session_id;
    await git(repo, 'worktree', 'remove', '--force', original);
    await git(repo, 'worktree', 'add', '-q', moved, 'issue-4');
    model.setScript([text('Still here.')]);

    const resumed = await runAgent('Are you still there?', { cwd: moved, resume: sessionId });

    assert.equal(resumed.error, undefined);
    assert.equal(initOf(resumed).session_id, sessionId);
    assert.equal(resultOf(resumed).subtype, 'success');
    const firstRequest = resumed.turns[0]!.body;
    assert.deepEqual(textsOf(dialogue(firstRequest)[0]!), ['Add one.txt.']);
    assert.deepEqual(textsOf(lastUserMessage(firstRequest)!), ['Are you still there?']);
    // The runtime tells the model the cwd moved, in a system message after the new prompt.
    const update = firstRequest.messages.at(-1);
    assert.equal(update?.role, 'system');
    assert.match(
      JSON.stringify(update?.content),
      new RegExp(`Primary working directory: ${moved} \\(was ${original}\\)`),
    );
    // The transcript stays where the session started; the new cwd gets no project folder.
    const transcript = await readFile(transcriptPath(configDir, original, sessionId), 'utf8');
    assert.match(transcript, /Are you still there\?/);
    assert.equal(existsSync(transcriptPath(configDir, moved, sessionId)), false);
    assert.deepEqual(
      (await readdir(join(configDir, 'projects'))).filter((name) => name.endsWith('worktree-b')),
      [],
    );
  });
});

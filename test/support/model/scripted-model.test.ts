import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { bash, startScriptedModel, text, tool, type ScriptedModelOptions } from './index.js';

interface SseEvent {
  readonly event: string;
  readonly data: Record<string, any>;
}

async function start(t: TestContext, options?: ScriptedModelOptions) {
  const model = await startScriptedModel(options);
  t.after(() => model.close());
  return model;
}

function turnBody(overrides: Record<string, unknown> = {}) {
  return {
    model: 'claude-test',
    max_tokens: 4096,
    stream: true,
    tools: [{ name: 'Bash', input_schema: { type: 'object' } }],
    messages: [{ role: 'user', content: 'Commit the file.' }],
    ...overrides,
  };
}

function post(url: string, path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': 'secret-key', ...headers },
    body: JSON.stringify(body),
  });
}

function parseSse(body: string): SseEvent[] {
  return body
    .split('\n\n')
    .filter((chunk) => chunk.trim() !== '')
    .map((chunk) => {
      const lines = chunk.split('\n');
      const event = lines.find((line) => line.startsWith('event: '))?.slice('event: '.length) ?? '';
      const data = lines.find((line) => line.startsWith('data: '))?.slice('data: '.length) ?? '{}';
      return { event, data: JSON.parse(data) };
    });
}

/** Rebuilds the content blocks from the deltas, as a client does. */
function assemble(events: readonly SseEvent[]): Record<string, any>[] {
  const blocks: Record<string, any>[] = [];
  const json: string[] = [];
  for (const { event, data } of events) {
    if (event === 'content_block_start') {
      blocks[data.index] = { ...data.content_block };
      json[data.index] = '';
    }
    if (event === 'content_block_delta' && data.delta.type === 'text_delta')
      blocks[data.index]!.text += data.delta.text;
    if (event === 'content_block_delta' && data.delta.type === 'input_json_delta')
      json[data.index] += data.delta.partial_json;
    if (event === 'content_block_stop' && blocks[data.index]!.type === 'tool_use')
      blocks[data.index]!.input = JSON.parse(json[data.index]!);
  }
  return blocks;
}

async function replyText(response: Response): Promise<string> {
  const message = (await response.json()) as { content: { type: string; text?: string }[] };
  return message.content.map((block) => block.text ?? '').join('');
}

describe('scripted model', () => {
  it('streams a scripted turn in the Messages API event order', async (t) => {
    const longText = 'Committing the new file, then I will report back on what changed.';
    const model = await start(t, { script: [[text(longText), bash('git commit -am "Add a"')]] });

    const response = await post(model.url, '/v1/messages?beta=true', turnBody());
    const events = parseSse(await response.text());

    assert.equal(response.headers.get('content-type'), 'text/event-stream');
    const order = events.map((e) => e.event).filter((name, i, all) => name !== all[i - 1]);
    assert.deepEqual(order, [
      'message_start',
      'content_block_start',
      'ping',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    const opening = events[0]!.data.message;
    assert.equal(opening.role, 'assistant');
    assert.equal(opening.model, 'claude-test');
    assert.ok(opening.usage.input_tokens > 0);
    assert.deepEqual(assemble(events), [
      { type: 'text', text: longText },
      {
        type: 'tool_use',
        id: 'toolu_scripted_001',
        name: 'Bash',
        input: { command: 'git commit -am "Add a"', description: 'Run a command' },
      },
    ]);
    const delta = events.find((e) => e.event === 'message_delta')!.data;
    assert.equal(delta.delta.stop_reason, 'tool_use');
    assert.ok(delta.usage.output_tokens > 0);
  });

  it('answers turns in script order, then a final text with end_turn once the script ran dry', async (t) => {
    const model = await start(t, { script: [text('First.'), text('Second.')] });

    type Reply = { content: { text: string }[]; stop_reason: string };
    const replies: Reply[] = [];
    for (let i = 0; i < 3; i += 1)
      replies.push((await (await post(model.url, '/v1/messages', turnBody({ stream: false }))).json()) as Reply);

    assert.deepEqual(
      replies.map((reply) => [reply.content[0]?.text, reply.stop_reason]),
      [
        ['First.', 'end_turn'],
        ['Second.', 'end_turn'],
        ['Done.', 'end_turn'],
      ],
    );
    assert.deepEqual(
      model.turnRequests.map((request) => request.source),
      ['script', 'script', 'exhausted'],
    );
    assert.equal(model.remaining, 0);
    assert.equal(model.dryReplies, 1);
  });

  it('records every request with its parsed body and without credentials', async (t) => {
    const model = await start(t, { script: [text('Hi.')] });

    await post(model.url, '/v1/messages?beta=true', turnBody(), {
      authorization: 'Bearer secret',
      'x-claude-code-session-id': 's-1',
    });

    const [request] = model.requests;
    assert.equal(request?.kind, 'turn');
    assert.equal(request.method, 'POST');
    assert.equal(request.path, '/v1/messages');
    assert.equal(request.search, '?beta=true');
    assert.equal(request.headers['x-claude-code-session-id'], 's-1');
    assert.equal(request.headers['x-api-key'], undefined);
    assert.equal(request.headers.authorization, undefined);
    assert.deepEqual(request.body.messages, [{ role: 'user', content: 'Commit the file.' }]);
  });

  it('answers auxiliary requests without consuming the script', async (t) => {
    const model = await start(t, { script: [text('The real turn.')] });
    const titleFormat = {
      format: {
        type: 'json_schema',
        schema: { type: 'object', properties: { title: { type: 'string' } }, required: ['title'] },
      },
    };

    const title = await post(
      model.url,
      '/v1/messages',
      turnBody({ stream: false, tools: [], output_config: titleFormat }),
    );
    const probe = await post(model.url, '/v1/messages', turnBody({ stream: false, max_tokens: 1 }));
    const marked = await post(model.url, '/v1/messages', turnBody({ stream: false }), {
      'x-claude-code-auxiliary-type': 'memory_save',
    });
    const head = await fetch(`${model.url}/api/hello`, { method: 'HEAD' });

    assert.equal(await replyText(title), '{"title":"Scripted"}');
    assert.equal(await replyText(probe), 'Scripted auxiliary reply.');
    assert.equal(await replyText(marked), 'Scripted auxiliary reply.');
    assert.equal(head.status, 200);
    assert.deepEqual(
      model.requests.map((request) => (request.kind === 'auxiliary' ? request.reason : request.kind)),
      ['no tools', 'max_tokens probe', 'auxiliary header', 'HEAD probe'],
    );
    assert.equal(model.remaining, 1);
  });

  it('lets a responder answer from what was sent, and the script answer when it declines', async (t) => {
    const model = await start(t, {
      script: [text('From the script.')],
      respond: ({ body }) =>
        JSON.stringify(body.messages).includes('comment')
          ? tool('mcp__forge__comment', { issue: 4, body: 'On it.' })
          : undefined,
    });

    const reacted = await post(
      model.url,
      '/v1/messages',
      turnBody({ stream: false, messages: [{ role: 'user', content: 'Please comment.' }] }),
    );
    const scripted = await post(model.url, '/v1/messages', turnBody({ stream: false }));

    const reactedBody = (await reacted.json()) as { stop_reason: string; content: unknown[] };
    assert.equal(reactedBody.stop_reason, 'tool_use');
    assert.deepEqual(reactedBody.content, [
      { type: 'tool_use', id: 'toolu_scripted_001', name: 'mcp__forge__comment', input: { issue: 4, body: 'On it.' } },
    ]);
    assert.equal(await replyText(scripted), 'From the script.');
    assert.deepEqual(
      model.turnRequests.map((request) => request.source),
      ['responder', 'script'],
    );
  });

  it('takes more turns with enqueue and replaces them with setScript', async (t) => {
    const model = await start(t);

    model.enqueue(text('One.'), text('Two.'));
    model.setScript([text('Replaced.')]);
    model.enqueue(text('Appended.'));

    assert.equal(model.remaining, 2);
    assert.equal(await replyText(await post(model.url, '/v1/messages', turnBody({ stream: false }))), 'Replaced.');
  });

  it('answers count_tokens with an input token estimate', async (t) => {
    const model = await start(t);

    const response = await post(model.url, '/v1/messages/count_tokens?beta=true', {
      model: 'claude-test',
      messages: [{ role: 'user', content: 'Hello there.' }],
    });

    const body = (await response.json()) as { input_tokens: number };
    assert.equal(response.status, 200);
    assert.ok(Number.isInteger(body.input_tokens) && body.input_tokens > 0);
    assert.equal(model.requests[0]?.kind, 'count_tokens');
  });

  it('answers unknown routes and malformed bodies with the error body of the API', async (t) => {
    const model = await start(t);

    const missing = await post(model.url, '/v1/complete', { prompt: 'x' });
    const malformed = await post(model.url, '/v1/messages', { messages: 'not a list' });

    assert.equal(missing.status, 404);
    assert.deepEqual(((await missing.json()) as { error: { type: string } }).error.type, 'not_found_error');
    assert.equal(malformed.status, 400);
    assert.equal(
      ((await malformed.json()) as { type: string; error: { type: string } }).error.type,
      'invalid_request_error',
    );
    assert.deepEqual(
      model.requests.map((request) => request.kind === 'rejected' && request.status),
      [404, 400],
    );
  });
});

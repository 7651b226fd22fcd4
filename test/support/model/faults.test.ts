import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { faultPlan } from './faults.js';
import { OVERLOADED_BODY, startScriptedModel, text, type ScriptedModelOptions } from './index.js';

async function start(t: TestContext, options?: ScriptedModelOptions) {
  const model = await startScriptedModel(options);
  t.after(() => model.close());
  return model;
}

const turn = (stream = false) => ({
  model: 'claude-test',
  max_tokens: 4096,
  stream,
  tools: [{ name: 'Bash', input_schema: { type: 'object' } }],
  messages: [{ role: 'user', content: 'Go.' }],
});

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${url}/v1/messages?beta=true`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

describe("the scripted model's faults", () => {
  it('answers the next agent turns 529 overloaded, as the API does, then goes on with the script it kept', async (t) => {
    const model = await start(t, { script: [text('Back.')], fault: { kind: 'overloaded', count: 2 } });

    const answers = [await post(model.url, turn()), await post(model.url, turn()), await post(model.url, turn())];

    assert.deepEqual(
      answers.map((answer) => answer.status),
      [529, 529, 200],
    );
    assert.deepEqual(await answers[0]!.json(), OVERLOADED_BODY);
    assert.deepEqual(
      model.requests.map((request) => (request.kind === 'faulted' ? request.fault : request.kind)),
      ['overloaded', 'overloaded', 'turn'],
    );
    assert.equal(model.turnRequests[0]?.source, 'script');
  });

  it('leaves auxiliary requests alone and can be injected and cleared while running', async (t) => {
    const model = await start(t);

    model.injectFault({ kind: 'overloaded' });
    const auxiliary = await post(model.url, turn(), { 'x-claude-code-auxiliary-type': 'memory_save' });
    const faulted = await post(model.url, turn());
    model.injectFault(undefined);
    const answered = await post(model.url, turn());

    assert.deepEqual([auxiliary.status, faulted.status, answered.status], [200, 529, 200]);
  });

  it('stalls a stream: the first events, then nothing until the connection is closed', async () => {
    // Closed by the test itself, not after it.
    const model = await startScriptedModel({ script: [text('Kept for later.')], fault: { kind: 'stall', count: 1 } });
    const response = await post(model.url, turn(true));
    const reader = response.body!.getReader();
    let received = '';

    while (!received.includes('content_block_delta')) received += new TextDecoder().decode((await reader.read()).value);
    await model.close();
    const after = await reader.read().then(
      () => 'more',
      () => 'broken',
    );

    assert.equal(response.status, 200);
    assert.deepEqual(
      [...received.matchAll(/^event: (\w+)$/gm)].map((match) => match[1]),
      ['message_start', 'content_block_start', 'ping', 'content_block_delta'],
    );
    assert.equal(after, 'broken');
    assert.equal(model.remaining, 1);
  });

  it('plays a fault for a count of turns, for a time, or until cleared', () => {
    const table: {
      fault: Parameters<ReturnType<typeof faultPlan>['set']>[0];
      at: number[];
      expected: (string | undefined)[];
    }[] = [
      { fault: { kind: 'overloaded', count: 2 }, at: [0, 1, 2], expected: ['overloaded', 'overloaded', undefined] },
      { fault: { kind: 'stall', forMs: 100 }, at: [0, 99, 100], expected: ['stall', 'stall', undefined] },
      { fault: { kind: 'overloaded' }, at: [0, 10_000, 1e9], expected: ['overloaded', 'overloaded', 'overloaded'] },
      { fault: undefined, at: [0], expected: [undefined] },
    ];

    for (const { fault, at, expected } of table) {
      const plan = faultPlan();
      plan.set(fault, 0);
      assert.deepEqual(
        at.map((now) => plan.next(now)),
        expected,
        JSON.stringify(fault),
      );
    }
  });
});

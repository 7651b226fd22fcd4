/**
 * The model proxy when the model API is in trouble: stalled streams are cut and counted, failed
 * attempts (429, 5xx, 529 overloaded, no answer) are counted and told as they happen, and a
 * success after them is told too. The API is the scripted model with its faults, or a small
 * server that misbehaves in one precise way.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { startScriptedModel, text, type ScriptedModel } from '../../test/support/model/index.js';
import { silentLogger } from '../lib/logger.js';
import { Secret } from '../lib/secret.js';
import type { ModelTrouble } from './model-health.js';
import { createModelProxy, type ModelProxy, type ModelWatch } from './model-proxy.js';

interface Served {
  readonly url: string;
  readonly proxy: ModelProxy;
  readonly troubles: ModelTrouble[];
  readonly recoveries: { count: number };
  /** Resolves with the next trouble the proxy tells. */
  nextTrouble(): Promise<ModelTrouble>;
}

const closers: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function listen(handler: RequestListener): Promise<string> {
  const server: Server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  closers.push(async () => {
    server.closeAllConnections();
    server.close();
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function scripted(options: Parameters<typeof startScriptedModel>[0]): Promise<ScriptedModel> {
  const model = await startScriptedModel(options);
  closers.push(() => model.close());
  return model;
}

async function serve(upstream: string, watch: ModelWatch = {}): Promise<Served> {
  const troubles: ModelTrouble[] = [];
  const recoveries = { count: 0 };
  const waiting: ((trouble: ModelTrouble) => void)[] = [];
  const proxy = createModelProxy({
    upstream,
    credential: { kind: 'api-key', secret: new Secret('sk-real') },
    budgetUsd: undefined,
    log: silentLogger(),
    ...watch,
    onTrouble: (trouble) => {
      troubles.push(trouble);
      waiting.shift()?.(trouble);
    },
    onRecovered: () => void (recoveries.count += 1),
  });
  const url = await listen((req, res) => {
    const parsed = new URL(req.url ?? '/', 'http://x');
    proxy.handle(req, res, parsed.pathname, parsed.search);
  });
  return { url, proxy, troubles, recoveries, nextTrouble: () => new Promise((resolve) => waiting.push(resolve)) };
}

const turn = {
  model: 'claude-sonnet-4-5',
  max_tokens: 1024,
  stream: true,
  tools: [{ name: 'Bash', input_schema: { type: 'object' } }],
  messages: [{ role: 'user', content: 'Go.' }],
};

const ask = (url: string, init: { signal?: AbortSignal; headers?: Record<string, string> } = {}) =>
  fetch(`${url}/v1/messages?beta=true`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': 'run-token', ...init.headers },
    body: JSON.stringify(turn),
    signal: init.signal,
  });

/** Reads the whole body; 'broken' when the stream was cut. */
const bodyOf = (response: Response): Promise<string> => response.text().catch(() => 'broken');

const sse = (type: string, data: Record<string, unknown> = {}) =>
  `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
const MESSAGE_START = sse('message_start', {
  message: { model: 'claude-sonnet-4-5', usage: { input_tokens: 1000, output_tokens: 1 } },
});

describe('the model proxy, when the model API is in trouble', () => {
  it('cuts a stream that sends nothing for the idle timeout, counts a stall, and still counts what it used', async () => {
    const model = await scripted({ fault: { kind: 'stall', count: 1 } });
    const { url, proxy, nextTrouble } = await serve(model.url, { idleTimeoutMs: 200 });
    const told = nextTrouble();

    const response = await ask(url);
    const body = await bodyOf(response);

    assert.equal(response.status, 200);
    assert.equal(body, 'broken');
    assert.deepEqual(await told, {
      attempt: 1,
      status: 'stalled',
      message: "the model API's answer stalled: nothing for 0.2 s",
    });
    const { model: health, usage } = proxy.usage();
    assert.equal(health.stalls, 1);
    assert.deepEqual(health.failures, {
      count: 1,
      lastStatus: 'stalled',
      lastMessage: "the model API's answer stalled: nothing for 0.2 s",
    });
    assert.equal(health.consecutiveFailures, 1);
    assert.ok(usage.inputTokens > 0, 'the input the cut answer reported is counted');
  });

  it('does not cut a stream that keeps sending, however long it takes in all', async () => {
    const upstream = await listen((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(MESSAGE_START);
      let sent = 0;
      const tick = setInterval(() => {
        sent += 1;
        if (sent < 8) return void res.write(sse('ping'));
        clearInterval(tick);
        res.end(
          sse('message_delta', { delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 5 } }) +
            sse('message_stop'),
        );
      }, 100);
    });
    const { url, proxy, troubles } = await serve(upstream, { idleTimeoutMs: 500 });

    const body = await bodyOf(await ask(url));

    assert.match(body, /message_stop/);
    assert.deepEqual(troubles, []);
    assert.equal(proxy.usage().model.stalls, 0);
  });

  it('counts an answer that does not start within the response timeout as a stall, and answers 504', async () => {
    const upstream = await listen((req) => req.resume());
    const { url, proxy } = await serve(upstream, { responseTimeoutMs: 200 });

    const response = await ask(url);

    const body = (await response.json()) as { error: { type: string; message: string } };
    assert.equal(response.status, 504);
    assert.match(body.error.message, /did not start answering in time/);
    assert.equal(proxy.usage().model.stalls, 1);
    assert.equal(proxy.usage().model.failures.lastStatus, 'stalled');
  });

  it('counts each 529 overloaded answer, tells it with the attempt of the streak, and tells the recovery after it', async () => {
    const model = await scripted({ script: [text('Back.')], fault: { kind: 'overloaded', count: 2 } });
    const { url, proxy, troubles, recoveries } = await serve(model.url);

    const statuses: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      const response = await ask(url);
      await response.text();
      statuses.push(response.status);
    }

    assert.deepEqual(statuses, [529, 529, 200]);
    assert.deepEqual(troubles, [
      { attempt: 1, status: 529, message: 'Overloaded' },
      { attempt: 2, status: 529, message: 'Overloaded' },
    ]);
    assert.equal(recoveries.count, 1);
    assert.deepEqual(proxy.usage().model, {
      stalls: 0,
      failures: { count: 2, lastStatus: 529, lastMessage: 'Overloaded' },
      consecutiveFailures: 0,
    });
  });

  it('counts 429 and 5xx as failed attempts, and neither a client error nor a success between them as one', async () => {
    const upstream = await listen((req, res) => {
      req.resume();
      const status = Number(req.headers['x-answer-status']);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ type: 'error', error: { type: `status_${status}`, message: `answered ${status}` } }));
    });
    const { url, proxy, troubles, recoveries } = await serve(upstream);

    for (const status of [429, 500, 400, 503, 404])
      await (await ask(url, { headers: { 'x-answer-status': String(status) } })).text();

    assert.deepEqual(
      troubles.map((trouble) => [trouble.attempt, trouble.status]),
      [
        [1, 429],
        [2, 500],
        [3, 503],
      ],
    );
    assert.equal(recoveries.count, 0);
    assert.equal(proxy.usage().model.consecutiveFailures, 3);
  });

  it('counts an overloaded error event inside a stream that began 200', async () => {
    const upstream = await listen((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(MESSAGE_START + sse('error', { error: { type: 'overloaded_error', message: 'Overloaded' } }));
    });
    const { url, troubles } = await serve(upstream);

    await (await ask(url)).text();

    assert.deepEqual(troubles, [{ attempt: 1, status: 529, message: 'Overloaded' }]);
  });

  it('counts an API that cannot be reached, or breaks off its answer, as no answer — naming no address', async () => {
    const brokenOff = await listen((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(MESSAGE_START, () => res.destroy());
    });
    const unreachable = await serve('http://127.0.0.1:9');
    const broken = await serve(brokenOff);

    const refused = await ask(unreachable.url);
    const cut = await bodyOf(await ask(broken.url));

    assert.equal(refused.status, 502);
    assert.equal(cut, 'broken');
    const told = [...unreachable.troubles, ...broken.troubles];
    assert.deepEqual(
      told.map((trouble) => trouble.status),
      ['no-answer', 'no-answer'],
    );
    assert.ok(
      told.every((trouble) => !/127\.0\.0\.1|:9\b/.test(trouble.message)),
      JSON.stringify(told),
    );
  });

  it("does not count the runtime hanging up as the API's failure", async () => {
    let upstreamClosed: () => void = () => undefined;
    const closed = new Promise<void>((resolve) => (upstreamClosed = resolve));
    const upstream = await listen((req: IncomingMessage, res: ServerResponse) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(MESSAGE_START);
      res.on('close', upstreamClosed);
    });
    const { url, proxy, troubles } = await serve(upstream, { idleTimeoutMs: 60_000 });
    const hangUp = new AbortController();

    const response = await ask(url, { signal: hangUp.signal });
    hangUp.abort();
    await bodyOf(response);
    await closed;

    assert.deepEqual(troubles, []);
    assert.equal(proxy.usage().model.failures.count, 0);
  });
});

import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { silentLogger } from '../lib/logger.js';
import { Secret } from '../lib/secret.js';
import { createModelProxy, type ModelProxyOptions } from './model-proxy.js';

/** An Anthropic-like API on loopback: streams a reply with usage, records what it was sent. */
async function startApi(): Promise<{
  url: string;
  seen: IncomingHttpHeaders[];
  paths: string[];
  close(): Promise<void>;
}> {
  const seen: IncomingHttpHeaders[] = [];
  const paths: string[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    paths.push(req.url ?? '');
    req.resume();
    req.on('end', () => {
      if (req.url?.startsWith('/v1/messages/count_tokens')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ input_tokens: 99 }));
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const events = [
        {
          type: 'message_start',
          message: { model: 'claude-sonnet-4-5-20250929', usage: { input_tokens: 1_000_000, output_tokens: 1 } },
        },
        { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'hi' } },
        { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 100_000 } },
        { type: 'message_stop' },
      ];
      // Split across writes, mid-line, as a real stream may be.
      const body = events.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join('');
      res.write(body.slice(0, 37));
      res.end(body.slice(37));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    paths,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function serve(
  options: Omit<ModelProxyOptions, 'log'>,
): Promise<{ url: string; proxy: ReturnType<typeof createModelProxy>; server: Server }> {
  const proxy = createModelProxy({ ...options, log: silentLogger() });
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    proxy.handle(req, res, url.pathname, url.search);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, proxy, server };
}

const ask = (url: string, path = '/v1/messages?beta=true', headers: Record<string, string> = {}) =>
  fetch(`${url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-api-key': 'the-run-token',
      'anthropic-version': '2023-06-01',
      ...headers,
    },
    body: '{"model":"claude-sonnet-4-5","messages":[]}',
  });

describe('the model proxy', () => {
  let api: Awaited<ReturnType<typeof startApi>>;
  const servers: Server[] = [];

  before(async () => {
    api = await startApi();
  });

  after(async () => {
    for (const server of servers) server.close();
    await api.close();
  });

  it("sends the real credential to the API in place of the run's token, and passes the stream through", async () => {
    const { url, server } = await serve({
      upstream: api.url,
      credential: { kind: 'api-key', secret: new Secret('sk-real-key') },
      budgetUsd: undefined,
    });
    servers.push(server);

    const response = await ask(url);

    const text = await response.text();
    assert.equal(response.status, 200);
    assert.match(text, /"text":"hi"/);
    assert.equal(api.seen.at(-1)?.['x-api-key'], 'sk-real-key');
    assert.equal(api.seen.at(-1)?.['anthropic-version'], '2023-06-01');
    assert.equal(api.paths.at(-1), '/v1/messages?beta=true');
  });

  it('sends an OAuth credential as a bearer token, with no API key', async () => {
    const { url, server } = await serve({
      upstream: api.url,
      credential: { kind: 'oauth-token', secret: new Secret('oauth-real') },
      budgetUsd: undefined,
    });
    servers.push(server);

    await (await ask(url, '/v1/messages', { authorization: 'Bearer the-run-token', 'x-api-key': '' })).text();

    assert.equal(api.seen.at(-1)?.authorization, 'Bearer oauth-real');
    assert.equal(api.seen.at(-1)?.['x-api-key'], undefined);
  });

  it('counts the cost of each response from its usage', async () => {
    const { url, proxy, server } = await serve({
      upstream: api.url,
      credential: { kind: 'api-key', secret: new Secret('k') },
      budgetUsd: undefined,
    });
    servers.push(server);

    await (await ask(url)).text();
    await (await ask(url)).text();
    await (await ask(url, '/v1/messages/count_tokens')).text();

    const usage = proxy.usage();
    // Each: 1M input at $3 + 100k output at $15/M = $4.50.
    assert.equal(usage.costUsd.toFixed(2), '9.00');
    assert.deepEqual([usage.usage.inputTokens, usage.usage.outputTokens, usage.requests], [2_000_000, 200_000, 3]);
  });

  it("refuses further requests once the run's budget is spent, without asking the API", async () => {
    const { url, proxy, server } = await serve({
      upstream: api.url,
      credential: { kind: 'api-key', secret: new Secret('k') },
      budgetUsd: 1,
    });
    servers.push(server);
    await (await ask(url)).text();
    const before = api.paths.length;

    const refused = await ask(url);

    const body = (await refused.json()) as { error: { type: string; message: string } };
    assert.equal(refused.status, 400);
    assert.match(body.error.message, /budget of \$1\.0000 is spent/);
    assert.equal(api.paths.length, before);
    assert.equal(proxy.usage().budgetExceeded, true);
  });

  it('serves only the Messages API: anything else is refused and never reaches the API with the credential', async () => {
    const { url, server } = await serve({
      upstream: api.url,
      credential: { kind: 'api-key', secret: new Secret('k') },
      budgetUsd: undefined,
    });
    servers.push(server);
    const before = api.paths.length;

    const statuses = [
      (await ask(url, '/v1/files')).status,
      (await ask(url, '/v1/messages/batches')).status,
      (await fetch(`${url}/v1/messages`)).status,
    ];

    assert.deepEqual(statuses, [404, 404, 404]);
    assert.equal(api.paths.length, before);
  });

  it('answers 502 without naming the API when it cannot be reached', async () => {
    const { url, server } = await serve({
      upstream: 'http://127.0.0.1:9',
      credential: { kind: 'api-key', secret: new Secret('k') },
      budgetUsd: undefined,
    });
    servers.push(server);

    const response = await ask(url);

    const text = await response.text();
    assert.equal(response.status, 502);
    assert.doesNotMatch(text, /127\.0\.0\.1|:9\b/);
  });
});

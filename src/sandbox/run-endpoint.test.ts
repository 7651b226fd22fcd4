import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { EgressProxy } from './egress-proxy.js';
import type { GitProxy } from './git-proxy.js';
import type { ModelProxy } from './model-proxy.js';
import { startRunEndpoint, type RunEndpoint } from './run-endpoint.js';

const TOKEN = 'a'.repeat(64);
const answered = (res: ServerResponse, what: string) => res.end(what);

describe("a run's endpoint", () => {
  let endpoint: RunEndpoint;
  const tunnels: string[] = [];

  before(async () => {
    const model = {
      handle: (_q: unknown, res: ServerResponse) => answered(res, 'model'),
      usage: () => undefined,
    } as unknown as ModelProxy;
    const git = { handle: (_q, res, rest) => answered(res, `git:${rest}`), refusals: () => 0 } as GitProxy;
    const egress = {
      forward: (_q, res) => answered(res, 'egress'),
      tunnel: (req, client) => (tunnels.push(req.url ?? ''), client.end('HTTP/1.1 200 OK\r\n\r\n')),
      blocked: () => ({ connections: 0, hosts: [] }),
    } as EgressProxy;
    endpoint = await startRunEndpoint(TOKEN, { model, git, egress }, { loopback: true });
  });

  after(() => endpoint.close());

  const basic = (password: string) => `Basic ${Buffer.from(`run:${password}`).toString('base64')}`;

  it("routes the model, git and plain proxy requests that carry the run's token", async () => {
    const model = await fetch(`${endpoint.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': TOKEN } });
    const bearer = await fetch(`${endpoint.url}/v1/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const git = await fetch(`${endpoint.url}/git/info/refs?service=git-upload-pack`, {
      headers: { authorization: basic(TOKEN) },
    });

    assert.deepEqual([await model.text(), await bearer.text(), await git.text()], ['model', 'model', 'git:info/refs']);
  });

  it('refuses every route without the token, or with another', async () => {
    const statuses = [
      (await fetch(`${endpoint.url}/v1/messages`, { method: 'POST' })).status,
      (await fetch(`${endpoint.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': 'b'.repeat(64) } })).status,
      (await fetch(`${endpoint.url}/git/info/refs`)).status,
      (await fetch(`${endpoint.url}/git/info/refs`, { headers: { authorization: basic('wrong') } })).status,
      (await fetch(`${endpoint.url}/anything-else`)).status,
    ];

    assert.deepEqual(statuses, [401, 401, 401, 401, 404]);
  });

  it('asks a CONNECT without the token to authenticate, and tunnels one with it', async () => {
    const ask = (auth: string) =>
      new Promise<string>((resolve, reject) => {
        const port = Number(new URL(endpoint.url!).port);
        const socket = connect(port, '127.0.0.1', () =>
          socket.write(`CONNECT example.test:443 HTTP/1.1\r\nHost: example.test:443\r\n${auth}\r\n`),
        );
        socket.once('data', (chunk) => (resolve(chunk.toString('latin1').split('\r\n')[0] ?? ''), socket.destroy()));
        socket.once('error', reject);
      });

    const without = await ask('');
    const withToken = await ask(`Proxy-Authorization: ${basic(TOKEN)}\r\n`);

    assert.equal(without, 'HTTP/1.1 407 Proxy Authentication Required');
    assert.equal(withToken, 'HTTP/1.1 200 OK');
    assert.deepEqual(tunnels, ['example.test:443']);
  });
});

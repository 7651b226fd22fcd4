import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { silentLogger } from '../lib/logger.js';
import { createEgressProxy, type EgressProxy } from './egress-proxy.js';
import { outboundFrom } from './outbound.js';

/** This machine's first non-loopback IPv4 address: the proxy refuses loopback targets, so tests use this. */
function outwardAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((entry) => entry?.family === 'IPv4' && !entry.internal)?.address;
}

async function listen(server: Server, host = '0.0.0.0'): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return (server.address() as AddressInfo).port;
}

/** `CONNECT target` through the proxy; answers the proxy's status line. */
function tunnel(proxyPort: number, target: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(proxyPort, '127.0.0.1', () =>
      socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`),
    );
    socket.once('data', (chunk) => {
      resolve(chunk.toString('latin1').split('\r\n')[0] ?? '');
      socket.destroy();
    });
    socket.once('error', reject);
  });
}

function get(proxyPort: number, url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: proxyPort,
        path: url,
        method: 'GET',
        headers: { host: url.startsWith('http') ? new URL(url).host : 'x' },
      },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('the egress proxy', () => {
  const address = outwardAddress();
  let target: Server;
  let targetPort: number;
  let proxyServer: Server;
  let proxyPort: number;
  let proxy: EgressProxy;

  before(async () => {
    target = createServer((_req, res) => res.end('reached'));
    targetPort = await listen(target);
    proxy = createEgressProxy({
      allow: [`${address ?? '192.0.2.1'}:${targetPort}`, 'localhost', '*.example.test'],
      outbound: outboundFrom({}),
      log: silentLogger(),
    });
    proxyServer = createServer((req, res) => proxy.forward(req, res));
    proxyServer.on('connect', (req, socket, head) => proxy.tunnel(req, socket, head));
    proxyPort = await listen(proxyServer, '127.0.0.1');
  });

  after(() => {
    target.close();
    proxyServer.close();
  });

  it('tunnels to a listed host and port, and forwards a plain http request to it', {
    skip: address === undefined ? 'this machine has no non-loopback address (NOT RUN)' : false,
  }, async () => {
    const status = await tunnel(proxyPort, `${address}:${targetPort}`);
    const plain = await get(proxyPort, `http://${address}:${targetPort}/x`);

    assert.equal(status, 'HTTP/1.1 200 Connection Established');
    assert.deepEqual(plain, { status: 200, body: 'reached' });
  });

  it("refuses an unlisted host, a listed host on another port, and a wildcard's bare domain, and counts each", async () => {
    const before = proxy.blocked().connections;

    const answers = [
      await tunnel(proxyPort, 'evil.test:443'),
      await tunnel(proxyPort, `${address ?? '192.0.2.1'}:22`),
      await tunnel(proxyPort, 'example.test:443'),
      (await get(proxyPort, 'http://evil.test/')).status,
    ];

    assert.deepEqual(answers.slice(0, 3), [
      'HTTP/1.1 403 Forbidden',
      'HTTP/1.1 403 Forbidden',
      'HTTP/1.1 403 Forbidden',
    ]);
    assert.equal(answers[3], 403);
    assert.equal(proxy.blocked().connections - before, 4);
    assert.ok(proxy.blocked().hosts.includes('evil.test') && proxy.blocked().hosts.includes('example.test'));
  });

  it('refuses a listed name that resolves to a loopback address (the service itself)', async () => {
    const status = await tunnel(proxyPort, 'localhost:443');
    const plain = await get(proxyPort, 'http://localhost/');

    assert.equal(status, 'HTTP/1.1 403 Forbidden');
    assert.equal(plain.status, 403);
    assert.match(plain.body, /resolves to a loopback or link-local address/);
  });

  it('serves only http:// in absolute form and CONNECT: an origin-form request is refused', async () => {
    const answer = await get(proxyPort, '/relative');

    assert.equal(answer.status, 400);
  });
});

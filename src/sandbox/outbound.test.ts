import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { outboundFrom } from './outbound.js';

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

describe("the service's way out", () => {
  let target: Server;
  let targetPort: number;
  let operatorProxy: Server;
  let proxyPort: number;
  const tunnelled: string[] = [];

  before(async () => {
    target = createServer((_req, res) => res.end('reached'));
    targetPort = await listen(target);
    // The operator's own HTTP proxy: records each CONNECT, then tunnels it.
    operatorProxy = createServer();
    operatorProxy.on('connect', (req, client) => {
      tunnelled.push(req.url ?? '');
      const [host = '', port = '0'] = (req.url ?? '').split(':');
      const server = connect(Number(port), host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        server.pipe(client).pipe(server);
      });
    });
    proxyPort = await listen(operatorProxy);
  });

  after(() => {
    target.close();
    operatorProxy.close();
  });

  const get = (url: URL, agent: ReturnType<ReturnType<typeof outboundFrom>['agentFor']>) =>
    new Promise<string>((resolve, reject) => {
      request(url, { agent }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
        res.on('end', () => resolve(body));
      })
        .on('error', reject)
        .end();
    });

  it("goes through the operator's HTTPS_PROXY, by CONNECT, for the service's own requests", async () => {
    const outbound = outboundFrom({ HTTPS_PROXY: `http://127.0.0.1:${proxyPort}` });
    const url = new URL(`http://localhost:${targetPort}/x`);

    const body = await get(url, outbound.agentFor(url));
    const socket = await outbound.connect('localhost', targetPort);
    socket.destroy();

    assert.equal(body, 'reached');
    assert.deepEqual(tunnelled.splice(0), [`localhost:${targetPort}`, `localhost:${targetPort}`]);
  });

  it('goes straight to a host NO_PROXY names, and everywhere when no proxy is set', async () => {
    const bypassing = outboundFrom({ HTTPS_PROXY: `http://127.0.0.1:${proxyPort}`, NO_PROXY: 'localhost' });
    const direct = outboundFrom({});
    const url = new URL(`http://localhost:${targetPort}/x`);

    const bodies = [await get(url, bypassing.agentFor(url)), await get(url, direct.agentFor(url))];

    assert.deepEqual(bodies, ['reached', 'reached']);
    assert.deepEqual(tunnelled, []);
  });
});

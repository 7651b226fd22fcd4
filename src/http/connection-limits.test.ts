import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AddressInfo, Server } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildIntakeApp } from '../../test/support/intake-app.js';
import { until } from '../../test/support/wait.js';
import { deliveryIdFor } from '../../test/support/payloads.js';
import { openRaw, postHead, type RawConnection } from '../../test/support/raw-http.js';
import { DEFAULT_CONNECTION_LIMITS, type ConnectionLimits } from './connection-limits.js';

/** Forgejo headers with a signature that could match some body: the server must read the body to judge it. */
const plausiblySigned = (length: number) => ({
  'content-type': 'application/json',
  'content-length': String(length),
  'x-forgejo-delivery': deliveryIdFor(String(Math.random())),
  'x-forgejo-event': 'issues',
  'x-forgejo-event-type': 'issues',
  'x-forgejo-signature': 'ab'.repeat(32),
});

async function listening(connections: Partial<ConnectionLimits>) {
  const intake = await buildIntakeApp({ connections: { ...DEFAULT_CONNECTION_LIMITS, ...connections } });
  await intake.app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(intake.app.server.address() as AddressInfo).port}`;
  return { intake, url };
}

/** Waits until the server's count of open connections passes `ok` (the server counts them as it sees them). */
function serverConnections(server: Server, ok: (count: number) => boolean): Promise<void> {
  return until(
    () =>
      new Promise<boolean>((resolve, reject) =>
        server.getConnections((error, count) => (error ? reject(error) : resolve(ok(count)))),
      ),
    'the server to count its connections',
  ).then(() => undefined);
}

// Node's own socket timeouts, not the service's clock: each test's bound is its test timeout.
describe('connection limits', { timeout: 30_000 }, () => {
  it('answers a body that trickles in with 408 once the request timeout passes, and closes the connection', async () => {
    const { intake, url } = await listening({ requestTimeoutMs: 1000, headersTimeoutMs: 500 });
    const client = await openRaw(url);
    const started = Date.now();
    try {
      client.socket.write(postHead('/webhook', plausiblySigned(1000)));
      for (let i = 0; i < 40 && !client.socket.destroyed && client.received() === ''; i++) {
        client.socket.write('{');
        await sleep(100);
      }
      const answer = await client.closed();
      const elapsed = Date.now() - started;

      assert.match(answer, /^HTTP\/1\.1 408 /);
      assert.match(answer, /not received in time.*server\.requestTimeoutSeconds/);
      assert.ok(elapsed >= 900, `closed after ${elapsed} ms, before the timeout`);
    } finally {
      client.socket.destroy();
      await intake.close();
    }
  });

  it('answers headers that never end with 408 once the headers timeout passes', async () => {
    const { intake, url } = await listening({ requestTimeoutMs: 5000, headersTimeoutMs: 500 });
    const client = await openRaw(url);
    try {
      client.socket.write('POST /webhook HTTP/1.1\r\nHost: localhost\r\n');
      for (let i = 0; i < 30 && !client.socket.destroyed && client.received() === ''; i++) {
        client.socket.write(`x-slow-${i}: y\r\n`);
        await sleep(100);
      }

      assert.match(await client.closed(), /^HTTP\/1\.1 408 /);
    } finally {
      client.socket.destroy();
      await intake.close();
    }
  });

  it('closes an idle keep-alive connection after the keep-alive timeout', async () => {
    const { intake, url } = await listening({ keepAliveTimeoutMs: 300 });
    const client = await openRaw(url);
    try {
      client.socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n');
      const answer = await client.closed();

      assert.match(answer, /^HTTP\/1\.1 200 /);
    } finally {
      client.socket.destroy();
      await intake.close();
    }
  });

  it('answers an unsigned delivery before reading its body, and closes the connection', async () => {
    const { intake, url } = await listening({});
    const client = await openRaw(url);
    try {
      client.socket.write(postHead('/webhook', { ...plausiblySigned(5 * 1024 * 1024), 'x-forgejo-signature': '' }));
      const answer = await client.closed();

      assert.match(answer, /^HTTP\/1\.1 401 /);
      assert.match(answer, /not signed/);
      assert.match(answer, /connection: close/i);
    } finally {
      client.socket.destroy();
      await intake.close();
    }
  });

  it('keeps answering /healthz while 1,000 slow connections are open', async () => {
    const { intake, url } = await listening({ maxConnections: 1100 });
    const slow: RawConnection[] = [];
    try {
      for (let i = 0; i < 1000; i++) {
        const client = await openRaw(url);
        client.socket.write(postHead('/webhook', plausiblySigned(1000)));
        client.socket.write('{');
        slow.push(client);
      }
      const health = await fetch(`${url}/healthz`);

      assert.equal(health.status, 200);
      assert.equal(
        slow.filter((c) => c.socket.destroyed).length,
        0,
        'the slow ones are still open (under the cap and the timeout)',
      );
    } finally {
      for (const client of slow) client.socket.destroy();
      await intake.close();
    }
  });

  it('closes connections past the cap at once, and serves again when some close', async () => {
    const { intake, url } = await listening({ maxConnections: 20 });
    const held: RawConnection[] = [];
    try {
      for (let i = 0; i < 20; i++) held.push(await openRaw(url));
      await serverConnections(intake.app.server, (count) => count === 20);
      const extra = await openRaw(url);
      await extra.closed(); // refused: closed by the server, never answered
      for (const client of held.splice(0, 5)) client.socket.destroy();
      await serverConnections(intake.app.server, (count) => count <= 15);
      const health = await fetch(`${url}/healthz`);

      assert.equal(health.status, 200);
    } finally {
      for (const client of held) client.socket.destroy();
      await intake.close();
    }
  });
});

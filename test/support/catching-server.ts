/**
 * A host that is not the forge, on loopback: it answers every request with a Basic-auth `401`
 * (what makes git ask its credential helper) and records each request's path and
 * `Authorization` header, so a test can show that no token was ever sent to it.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CaughtRequest {
  readonly method: string;
  readonly url: string;
  readonly authorization: string | undefined;
}

export interface CatchingServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly host: string;
  readonly requests: readonly CaughtRequest[];
  /** The `Authorization` headers received, in order. */
  authorizations(): string[];
  close(): Promise<void>;
}

export async function startCatchingServer(): Promise<CatchingServer> {
  const requests: CaughtRequest[] = [];
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization });
    req.resume();
    res.writeHead(401, { 'www-authenticate': 'Basic realm="catcher"', 'content-type': 'text/plain' });
    res.end('who are you?\n');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    requests,
    authorizations: () => requests.flatMap((r) => (r.authorization === undefined ? [] : [r.authorization])),
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close').catch(() => undefined);
    },
  };
}

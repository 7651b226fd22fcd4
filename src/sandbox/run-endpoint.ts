/**
 * The service as one run sees it: a small HTTP server, on a unix socket bound into the run's
 * sandbox (or on a loopback port with `isolation: none`), that routes
 * - `/v1/…` to the model proxy,
 * - `/git/…` to the git proxy,
 * - `CONNECT host:port` and absolute-form requests to the egress proxy,
 * and refuses everything else. Every request must carry the run's own token (as the model API key,
 * the git password or the proxy password): it is what a run holds instead of any real credential,
 * and it dies with the run.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { EgressProxy } from './egress-proxy.js';
import type { GitProxy } from './git-proxy.js';
import type { ModelProxy } from './model-proxy.js';
import { bearerToken, tokenDigest, tokenMatches } from '../lib/token-match.js';

export interface RunRoutes {
  readonly model: ModelProxy;
  readonly git: GitProxy | undefined;
  readonly egress: EgressProxy;
}

export interface RunEndpoint {
  /** `http://127.0.0.1:<port>` for `isolation: none`; undefined on a socket. */
  readonly url: string | undefined;
  close(): Promise<void>;
}

export type Listen = { readonly socket: string } | { readonly loopback: true };

export async function startRunEndpoint(token: string, routes: RunRoutes, listen: Listen): Promise<RunEndpoint> {
  const expected = tokenDigest(token);
  const owns = (presented: string | undefined) => tokenMatches(presented, expected);
  const server = createServer((req, res) => route(req, res, routes, owns));
  server.on('connect', (req: IncomingMessage, client: Duplex, head: Buffer) => {
    if (!owns(proxyPassword(req)))
      return void client.end(
        'HTTP/1.1 407 Proxy Authentication Required\r\nproxy-authenticate: Basic realm="claude-hooks"\r\ncontent-length: 0\r\nconnection: close\r\n\r\n',
      );
    routes.egress.tunnel(req, client, head);
  });
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await listenOn(server, listen);
  const address = server.address();
  const url =
    'loopback' in listen && address && typeof address === 'object'
      ? `http://127.0.0.1:${(address as AddressInfo).port}`
      : undefined;
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function route(
  req: IncomingMessage,
  res: ServerResponse,
  routes: RunRoutes,
  owns: (token: string | undefined) => boolean,
): void {
  const raw = req.url ?? '/';
  if (/^https?:\/\//i.test(raw)) {
    if (!owns(proxyPassword(req))) return deny(res, 407, { 'proxy-authenticate': 'Basic realm="claude-hooks"' });
    return routes.egress.forward(req, res);
  }
  const url = new URL(raw, 'http://run.invalid');
  if (url.pathname.startsWith('/git/')) {
    if (!routes.git) return deny(res, 404);
    if (!owns(basicPassword(req.headers.authorization)))
      return deny(res, 401, { 'www-authenticate': 'Basic realm="claude-hooks"' });
    return routes.git.handle(req, res, url.pathname.slice('/git/'.length), url.search);
  }
  if (url.pathname.startsWith('/v1/')) {
    if (!owns(modelKey(req))) return deny(res, 401);
    return routes.model.handle(req, res, url.pathname, url.search);
  }
  deny(res, 404);
}

function modelKey(req: IncomingMessage): string | undefined {
  const key = req.headers['x-api-key'];
  return typeof key === 'string' ? key : bearerToken(req.headers.authorization);
}

function proxyPassword(req: IncomingMessage): string | undefined {
  return basicPassword(req.headers['proxy-authorization']);
}

function basicPassword(header: string | undefined): string | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : decoded.slice(colon + 1);
}

function deny(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  const reason = status === 404 ? 'not served here' : "this run's token is required";
  res.req.resume();
  res.writeHead(status, { 'content-type': 'text/plain', ...headers });
  res.end(`claude-hooks: ${reason}\n`);
}

function listenOn(server: Server, listen: Listen): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const done = () => {
      server.off('error', reject);
      resolve();
    };
    if ('socket' in listen) server.listen(listen.socket, done);
    else server.listen(0, '127.0.0.1', done);
  });
}

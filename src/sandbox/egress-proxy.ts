/**
 * The only way out of a sandbox besides the model and git: an HTTP proxy (`HTTP(S)_PROXY` inside
 * the sandbox) that lets through the hosts the operator listed for the agent
 * (`agents.<name>.network.allow`) and refuses — and counts — everything else. `CONNECT` tunnels
 * (https) and plain `http://` requests in absolute form are served; a host that resolves to a
 * loopback or link-local address (the service itself, a cloud metadata endpoint) is refused even
 * when listed, so a listed name cannot be pointed at them.
 */
import { lookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import { isIP, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from '../lib/logger.js';
import type { Outbound } from './outbound.js';

export interface EgressProxyOptions {
  /** `host`, `*.host`, either with `:port` (without: ports 80 and 443). */
  readonly allow: readonly string[];
  readonly outbound: Outbound;
  readonly log: Logger;
}

export interface Blocked {
  readonly connections: number;
  /** Distinct refused hosts, the first 20. */
  readonly hosts: readonly string[];
}

export interface EgressProxy {
  /** A `CONNECT host:port` request (the server's 'connect' event). */
  tunnel(req: IncomingMessage, client: Duplex, head: Buffer): void;
  /** A request in absolute form (`GET http://host/path`). */
  forward(req: IncomingMessage, res: ServerResponse): void;
  blocked(): Blocked;
}

const MAX_HOSTS = 20;

export function createEgressProxy(options: EgressProxyOptions): EgressProxy {
  const rules = options.allow.map(parseRule);
  let connections = 0;
  const hosts: string[] = [];
  const block = (host: string, why: string) => {
    connections += 1;
    if (hosts.length < MAX_HOSTS && !hosts.includes(host)) hosts.push(host);
    options.log.info({ host, why }, 'sandbox egress refused');
  };
  const permitted = async (host: string, port: number): Promise<string | undefined> => {
    if (!rules.some((rule) => matches(rule, host, port))) return `${host}:${port} is not in this agent's network.allow`;
    return (await internalAddress(host)) ? `${host} resolves to a loopback or link-local address` : undefined;
  };

  return {
    tunnel(req, client, head) {
      const target = parseAuthority(req.url ?? '');
      if (!target) return endTunnel(client, 400, 'expected CONNECT host:port');
      void permitted(target.host, target.port)
        .then(async (why) => {
          if (why !== undefined) {
            block(target.host, why);
            return endTunnel(client, 403, `claude-hooks: ${why}`);
          }
          const server = await options.outbound.connect(target.host, target.port);
          client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
          if (head.length > 0) server.write(head);
          splice(client, server);
        })
        .catch((error: unknown) =>
          endTunnel(
            client,
            502,
            `claude-hooks: ${target.host}:${target.port} could not be reached (${error instanceof Error ? error.message : String(error)})`,
          ),
        );
    },

    forward(req, res) {
      const url = safeUrl(req.url ?? '');
      if (url?.protocol !== 'http:')
        return answer(res, 400, 'claude-hooks: only http:// requests in absolute form and CONNECT tunnels are proxied');
      const port = Number(url.port || 80);
      void permitted(url.hostname, port).then((why) => {
        if (why !== undefined) {
          block(url.hostname, why);
          return answer(res, 403, `claude-hooks: ${why}`);
        }
        const upstream = httpRequest(
          url,
          { method: req.method, headers: withoutProxyHeaders(req.headers), agent: options.outbound.agentFor(url) },
          (answerIn) => {
            res.writeHead(answerIn.statusCode ?? 502, answerIn.headers);
            answerIn.pipe(res);
          },
        );
        upstream.on('error', () =>
          res.headersSent ? res.destroy() : answer(res, 502, `claude-hooks: ${url.hostname} could not be reached`),
        );
        req.pipe(upstream);
      });
    },

    blocked: () => ({ connections, hosts: [...hosts] }),
  };
}

interface Rule {
  readonly host: string;
  readonly wildcard: boolean;
  readonly port: number | undefined;
}

function parseRule(entry: string): Rule {
  const [name = '', port] = entry.toLowerCase().split(':');
  const wildcard = name.startsWith('*.');
  return { host: wildcard ? name.slice(2) : name, wildcard, port: port === undefined ? undefined : Number(port) };
}

function matches(rule: Rule, host: string, port: number): boolean {
  const name = host.toLowerCase();
  const hostOk = rule.wildcard ? name.endsWith(`.${rule.host}`) : name === rule.host;
  const portOk = rule.port === undefined ? port === 443 || port === 80 : port === rule.port;
  return hostOk && portOk;
}

async function internalAddress(host: string): Promise<boolean> {
  const addresses = isIP(host)
    ? [host]
    : (await lookup(host, { all: true }).catch(() => [])).map((entry) => entry.address);
  return addresses.some(
    (address) => /^(127\.|0\.|169\.254\.)/.test(address) || /^(::1$|::$|fe[89ab][0-9a-f]:|::ffff:127\.)/i.test(address),
  );
}

function parseAuthority(value: string): { host: string; port: number } | undefined {
  const match = /^\[?([A-Za-z0-9.:-]+?)\]?:(\d{1,5})$/.exec(value);
  if (!match?.[1] || !match[2]) return undefined;
  const port = Number(match[2]);
  return port > 0 && port < 65536 ? { host: match[1], port } : undefined;
}

function safeUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

function withoutProxyHeaders(headers: IncomingMessage['headers']): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined && !name.startsWith('proxy-')) out[name] = value;
  return out;
}

function splice(client: Duplex, server: Socket): void {
  client.pipe(server).pipe(client);
  client.on('error', () => server.destroy());
  server.on('error', () => client.destroy());
  client.on('close', () => server.destroy());
  server.on('close', () => client.destroy());
}

function endTunnel(client: Duplex, status: number, message: string): void {
  client.end(
    `HTTP/1.1 ${status} ${status === 403 ? 'Forbidden' : status === 400 ? 'Bad Request' : 'Bad Gateway'}\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(message)}\r\nconnection: close\r\n\r\n${message}`,
  );
}

function answer(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'text/plain' });
  res.end(message);
}

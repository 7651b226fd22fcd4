/**
 * How the service's proxies reach the outside: directly, or through the operator's own HTTP proxy
 * (`HTTPS_PROXY`/`HTTP_PROXY` in the service's environment, minus `NO_PROXY` hosts) — the sandbox
 * never sees those variables; the service's proxies use them on its behalf.
 */
import { Agent as HttpsAgent } from 'node:https';
import { Agent as HttpAgent } from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

export interface Outbound {
  /** A TCP connection to host:port, tunnelled through the operator's proxy when one applies. */
  connect(host: string, port: number): Promise<Socket>;
  /** An agent for `http(s).request` to `url` (keep-alive), tunnelling when a proxy applies. */
  agentFor(url: URL): HttpAgent;
}

export function outboundFrom(env: Readonly<Record<string, string | undefined>>): Outbound {
  const proxy = env.HTTPS_PROXY ?? env.https_proxy ?? env.HTTP_PROXY ?? env.http_proxy;
  const noProxy = (env.NO_PROXY ?? env.no_proxy ?? '')
    .split(',')
    .map((entry) => entry.trim().toLowerCase())
    .filter(Boolean);
  const proxyUrl = proxy ? new URL(proxy) : undefined;
  const via = (host: string): URL | undefined => (proxyUrl && !bypasses(host, noProxy) ? proxyUrl : undefined);
  const agents = new Map<string, HttpAgent>();

  const connect = (host: string, port: number): Promise<Socket> => {
    const through = via(host);
    return through ? tunnel(through, host, port) : direct(host, port);
  };

  return {
    connect,
    agentFor(url) {
      const key = `${url.protocol}//${url.host}`;
      const existing = agents.get(key);
      if (existing) return existing;
      const agent = via(url.hostname)
        ? tunnellingAgent(url, connect)
        : url.protocol === 'https:'
          ? new HttpsAgent({ keepAlive: true })
          : new HttpAgent({ keepAlive: true });
      agents.set(key, agent);
      return agent;
    },
  };
}

function bypasses(host: string, noProxy: readonly string[]): boolean {
  const name = host.toLowerCase();
  return noProxy.some(
    (entry) =>
      entry === '*' || name === entry.replace(/^\./, '') || name.endsWith(entry.startsWith('.') ? entry : `.${entry}`),
  );
}

function direct(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host, port });
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** `CONNECT host:port` through the proxy; resolves with the tunnel once the proxy says 200. */
function tunnel(proxy: URL, host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: proxy.hostname, port: Number(proxy.port || 80) });
    const auth = proxy.username
      ? `Proxy-Authorization: Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}\r\n`
      : '';
    socket.once('error', reject);
    socket.once('connect', () =>
      socket.write(`CONNECT ${host}:${port} HTTP/1.1\r\nHost: ${host}:${port}\r\n${auth}\r\n`),
    );
    let head = '';
    const onData = (chunk: Buffer) => {
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      if (!/^HTTP\/1\.[01] 200/.test(head)) {
        socket.destroy();
        reject(new Error(`the egress proxy refused the tunnel: ${head.split('\r\n')[0] ?? ''}`));
        return;
      }
      const rest = Buffer.from(head.slice(end + 4), 'latin1');
      if (rest.length > 0) socket.unshift(rest);
      resolve(socket);
    };
    socket.on('data', onData);
  });
}

type Connect = (host: string, port: number) => Promise<Socket>;

/** An agent whose connections are tunnels (and TLS over them for https). */
function tunnellingAgent(url: URL, connect: Connect): HttpAgent {
  const https = url.protocol === 'https:';
  const agent = https ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  const port = Number(url.port || (https ? 443 : 80));
  Object.assign(agent, {
    createConnection(_options: unknown, callback: (error: Error | null, socket?: Socket) => void) {
      connect(url.hostname, port).then(
        (socket) => callback(null, https ? tlsConnect({ socket, servername: url.hostname }) : socket),
        (error: Error) => callback(error),
      );
      return undefined;
    },
  });
  return agent;
}

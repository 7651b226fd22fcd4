/**
 * A TCP proxy that injects the faults of a network or a database failover between a client and a
 * server: `reset` ends every open connection with an RST (what a failover or a NAT timeout does);
 * `stall` stops forwarding bytes both ways while every socket stays open (a database that hangs,
 * a network that drops packets), and new connections are accepted but get no answer; `resume`
 * forwards again, what was held back included. Connections made after a reset go through.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface TcpFaultProxy {
  readonly port: number;
  /** `url` with its host and port replaced by the proxy's. */
  via(url: string): string;
  reset(): void;
  stall(): void;
  resume(): void;
  /** Connections accepted so far. */
  accepted(): number;
  close(): Promise<void>;
}

interface Pair {
  readonly client: Socket;
  readonly server: Socket;
}

export async function startTcpFaultProxy(target: { host: string; port: number }): Promise<TcpFaultProxy> {
  const pairs = new Set<Pair>();
  let stalled = false;
  let accepted = 0;

  const forward = (from: Socket, to: Socket) => {
    from.on('data', (chunk: Buffer) => {
      if (to.write(chunk) || stalled) return;
      from.pause();
      to.once('drain', () => stalled || from.resume());
    });
    from.on('end', () => to.end());
    from.on('close', () => to.destroy());
  };

  const server: Server = createServer((client) => {
    accepted += 1;
    const upstream = connect(target.port, target.host);
    const pair = { client, server: upstream };
    pairs.add(pair);
    for (const socket of [client, upstream]) {
      socket.on('error', () => undefined);
      socket.on('close', () => pairs.delete(pair));
    }
    forward(client, upstream);
    forward(upstream, client);
    // After `on('data')`, which sets a socket flowing.
    if (stalled) for (const socket of [client, upstream]) socket.pause();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;

  const each = (act: (socket: Socket) => void) => {
    for (const pair of pairs) {
      act(pair.client);
      act(pair.server);
    }
  };

  return {
    port,
    via(url) {
      const parsed = new URL(url);
      parsed.hostname = '127.0.0.1';
      parsed.port = String(port);
      return parsed.toString();
    },
    reset() {
      each((socket) => socket.resetAndDestroy());
      pairs.clear();
    },
    stall() {
      stalled = true;
      each((socket) => socket.pause());
    },
    resume() {
      stalled = false;
      each((socket) => socket.resume());
    },
    accepted: () => accepted,
    async close() {
      each((socket) => socket.destroy());
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

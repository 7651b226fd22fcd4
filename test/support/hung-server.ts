/**
 * Servers that misbehave the way fault injection found a forge can: one that accepts
 * connections and never sends a byte, and one that answers an HTTP request so slowly — a byte now
 * and then, forever — that no idle limit fires. Both count the connections they took, so a test
 * can wait for its client to be stuck before it measures anything.
 */
import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';

export interface HungServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

async function listen(onSocket: (socket: Socket) => void): Promise<HungServer> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    onSocket(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => accepted,
    async close() {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

/** Accepts every connection, reads what it is sent and never writes anything back. */
export function startSilentServer(): Promise<HungServer> {
  return listen((socket) => socket.resume());
}

/**
 * Answers every request with a `200` whose chunked body never ends: one byte each `everyMs`, fast
 * enough for curl's low-speed limit (one byte a second) never to fire.
 */
export function startTricklingServer(everyMs = 100): Promise<HungServer> {
  return listen((socket) => {
    socket.resume();
    socket.write(
      'HTTP/1.1 200 OK\r\ncontent-type: application/x-git-upload-pack-advertisement\r\ntransfer-encoding: chunked\r\n\r\n',
    );
    const timer = setInterval(() => socket.write('1\r\na\r\n'), everyMs);
    socket.on('close', () => clearInterval(timer));
  });
}

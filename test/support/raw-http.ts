/**
 * HTTP spoken by hand over a TCP socket, for what a well-behaved client never does: send a body
 * a byte at a time, stop half-way, or hold a connection open without a request.
 */
import { connect, type Socket } from 'node:net';

export interface RawConnection {
  readonly socket: Socket;
  /** Everything the server has sent so far. */
  received(): string;
  /** Resolves when the server (or we) closed the connection, with what it sent. */
  closed(): Promise<string>;
}

export function openRaw(url: string): Promise<RawConnection> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    let data = '';
    socket.on('data', (chunk: Buffer) => (data += chunk.toString('latin1')));
    socket.on('error', () => {}); // a reset is an answer too; `closed` reports what arrived
    const closed = new Promise<string>((done) => socket.once('close', () => done(data)));
    socket.once('connect', () => resolve({ socket, received: () => data, closed: () => closed }));
    socket.once('error', reject);
  });
}

/** The request line and headers of a POST, ending with the blank line; the body is the caller's to send. */
export function postHead(path: string, headers: Readonly<Record<string, string>>): string {
  return `POST ${path} HTTP/1.1\r\nHost: localhost\r\n${Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('')}\r\n`;
}

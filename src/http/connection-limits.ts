/**
 * How long a client may take and how many may be connected at once (docs/decisions.md §18:
 * 1,000 connections trickling a body byte every 10 s were never closed, and 21,000 exhausted
 * the file descriptors). Node's HTTP server enforces the timeouts: a request whose headers, or
 * whole body, are not in on time is answered 408 and its connection closed; an idle keep-alive
 * connection is closed; connections past the cap are closed as they arrive.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyHttpOptions } from 'fastify';

export interface ConnectionLimits {
  /** The whole request, headers and body (`server.requestTimeoutSeconds`). */
  readonly requestTimeoutMs: number;
  /** The request's headers (`server.headersTimeoutSeconds`); at most `requestTimeoutMs`. */
  readonly headersTimeoutMs: number;
  /** An idle keep-alive connection between requests (`server.keepAliveTimeoutSeconds`). */
  readonly keepAliveTimeoutMs: number;
  /** Open connections (`server.maxConnections`). */
  readonly maxConnections: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 1024,
};

/** The Fastify (and Node `http.Server`) options that enforce `limits`; `maxConnections` is set on the server once built. */
export function serverOptions(limits: ConnectionLimits): FastifyHttpOptions<Server> {
  return {
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // A socket with no traffic at all (connected, nothing sent) is not a request yet; this closes it.
    connectionTimeout: limits.requestTimeoutMs,
    http: {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      // Node looks for expired requests this often (30 s by default, which would let a request
      // live up to twice its timeout).
      connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(limits.headersTimeoutMs / 4))),
    },
    clientErrorHandler: answerClientError(limits),
  };
}

function answerClientError(limits: ConnectionLimits) {
  return (error: Error & { code?: string }, socket: Socket): void => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const [status, text, body] =
      error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? ([
            408,
            'Request Timeout',
            {
              error: `the request was not received in time: headers must arrive within ${limits.headersTimeoutMs / 1000} s (server.headersTimeoutSeconds) and the whole body within ${limits.requestTimeoutMs / 1000} s (server.requestTimeoutSeconds)`,
              reason: 'timeout',
            },
          ] as const)
        : error.code === 'HPE_HEADER_OVERFLOW'
          ? ([
              431,
              'Request Header Fields Too Large',
              { error: 'the request headers are larger than the server accepts', reason: 'headers-too-large' },
            ] as const)
          : ([400, 'Bad Request', { error: 'the request is not valid HTTP', reason: 'bad-request' }] as const);
    const json = JSON.stringify(body);
    if (socket.writable) {
      socket.write(
        `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(json)}\r\nContent-Type: application/json\r\n\r\n${json}`,
      );
    }
    socket.destroy();
  };
}

/**
 * A load balancer in front of several workers' `/webhook`, as an operator would put one: each
 * request goes, whole, to a worker picked at random (or by `pick`). Answers 502 when the worker
 * cannot be reached.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Balancer {
  readonly url: string;
  /** How many requests each worker URL got. */
  readonly counts: Map<string, number>;
  close(): Promise<void>;
}

export async function startBalancer(
  targets: () => readonly string[],
  pick: (targets: readonly string[]) => string = (t) => t[Math.floor(Math.random() * t.length)]!,
): Promise<Balancer> {
  const counts = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const target = pick(targets());
    counts.set(target, (counts.get(target) ?? 0) + 1);
    const url = new URL(req.url ?? '/', target);
    const forward = httpRequest(url, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forward.on('error', (error) => {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`worker ${target} unreachable: ${error.message}`);
    });
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * A small HTTP load generator over keep-alive `node:http` (cheaper per request than fetch), for
 * benchmarks: closed-loop (N requests at concurrency C, for throughput) and open-loop (a fixed
 * rate for a duration, for latency under a given load).
 */
import { Agent, request } from 'node:http';

export interface LoadRequest {
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

export interface LoadResult {
  readonly count: number;
  readonly seconds: number;
  readonly perSecond: number;
  /** Latencies in milliseconds, sorted. */
  readonly latencies: number[];
  readonly statuses: Record<number, number>;
}

function send(agent: Agent, base: URL, req: LoadRequest): Promise<{ status: number; ms: number }> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const r = request(
      {
        agent,
        host: base.hostname,
        port: base.port,
        method: 'POST',
        path: req.path,
        headers: { ...req.headers, 'content-length': String(req.body.length) },
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, ms: Number(process.hrtime.bigint() - started) / 1e6 }),
        );
      },
    );
    r.on('error', reject);
    r.end(req.body);
  });
}

function summarise(results: Array<{ status: number; ms: number }>, seconds: number): LoadResult {
  const statuses: Record<number, number> = {};
  for (const r of results) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  return {
    count: results.length,
    seconds,
    perSecond: results.length / seconds,
    latencies: results.map((r) => r.ms).sort((a, b) => a - b),
    statuses,
  };
}

export async function closedLoop(
  url: string,
  requests: readonly LoadRequest[],
  concurrency: number,
): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const base = new URL(url);
  const results: Array<{ status: number; ms: number }> = [];
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests.length) {
        const req = requests[next++] as LoadRequest;
        results.push(await send(agent, base, req));
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  return summarise(results, seconds);
}

export async function openLoop(url: string, requests: readonly LoadRequest[], perSecond: number): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const base = new URL(url);
  const interval = 1000 / perSecond;
  const started = performance.now();
  const pending: Array<Promise<{ status: number; ms: number }>> = [];
  for (let i = 0; i < requests.length; i++) {
    const due = started + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(send(agent, base, requests[i] as LoadRequest));
  }
  const results = await Promise.all(pending);
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  return summarise(results, seconds);
}

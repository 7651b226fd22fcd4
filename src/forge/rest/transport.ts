/**
 * One request to a Forgejo/Gitea REST API (`<base>/api/v1`): JSON in and out, one credential in
 * the `authorization` header (never in the URL), a time limit. A request that gets no answer
 * (refused, reset, timed out) is a `ForgeApiError` with status 0; any answer is returned as it is,
 * for the client to judge. Shared by the service's client and onboarding's.
 */
import { ForgeApiError } from '../client.js';

export interface TransportOptions {
  readonly baseUrl: string;
  readonly fetch?: typeof fetch;
  /** For the request and its whole answer, body included (`forge.requestTimeoutSeconds`; 30 s when omitted). */
  readonly timeoutMs?: number;
}

export interface RawAnswer {
  readonly status: number;
  readonly ok: boolean;
  readonly text: string;
  readonly headers: Headers;
  /** Bytes of the body left out before `text` when only a tail was asked for; 0 otherwise. */
  readonly omitted: number;
}

export type ForgeTransport = (
  method: string,
  target: string,
  request: {
    readonly authorization: string;
    readonly body?: unknown;
    /** Keep only the body's last this many bytes, reading it as it streams (a job's log). */
    readonly tailBytes?: number;
  },
) => Promise<RawAnswer>;

/** A forge that accepts and never answers (or stops halfway through) fails here instead of hanging a job. */
const DEFAULT_TIMEOUT_MS = 30_000;

export function createTransport(options: TransportOptions): ForgeTransport {
  const apiBase = `${options.baseUrl.replace(/\/+$/, '')}/api/v1`;
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return async (method, target, request) => {
    try {
      const response = await doFetch(`${apiBase}${target}`, {
        method,
        headers: {
          authorization: request.authorization,
          accept: 'application/json',
          ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const { text, omitted } =
        request.tailBytes === undefined
          ? { text: await response.text(), omitted: 0 }
          : await readTail(response.body, request.tailBytes);
      return { status: response.status, ok: response.ok, text, headers: response.headers, omitted };
    } catch (error) {
      throw new ForgeApiError(method, target, 0, reasonOf(error, timeoutMs));
    }
  };
}

/**
 * The last `maxBytes` of a body, read chunk by chunk: chunks wholly before the tail are dropped as
 * they come, so a log of gigabytes costs `maxBytes` and one chunk. A UTF-8 character cut by the
 * tail's start is left out too (counted in `omitted`) rather than shown as a replacement mark.
 */
export async function readTail(
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
): Promise<{ text: string; omitted: number }> {
  const kept: Uint8Array[] = [];
  let keptBytes = 0;
  let omitted = 0;
  const reader = body?.getReader();
  for (let read = await reader?.read(); read !== undefined && !read.done; read = await reader?.read()) {
    kept.push(read.value);
    keptBytes += read.value.byteLength;
    while (kept.length > 0 && keptBytes - (kept[0]?.byteLength ?? 0) >= maxBytes) {
      const dropped = kept.shift()?.byteLength ?? 0;
      keptBytes -= dropped;
      omitted += dropped;
    }
  }
  const all = Buffer.concat(kept);
  const cut = Math.max(0, all.byteLength - maxBytes);
  let start = cut;
  // UTF-8 continuation bytes are 10xxxxxx; a character has at most three of them.
  if (omitted + cut > 0)
    while (start < Math.min(all.byteLength, cut + 3) && ((all[start] ?? 0) & 0xc0) === 0x80) start++;
  return { text: all.subarray(start).toString('utf8'), omitted: omitted + start };
}

function reasonOf(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && error.name === 'TimeoutError')
    return `no whole answer within ${timeoutMs / 1000} s (forge.requestTimeoutSeconds)`;
  return error instanceof Error ? error.message : String(error);
}

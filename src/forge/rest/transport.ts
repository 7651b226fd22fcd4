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
}

export type ForgeTransport = (
  method: string,
  target: string,
  request: { readonly authorization: string; readonly body?: unknown },
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
      return { status: response.status, ok: response.ok, text: await response.text(), headers: response.headers };
    } catch (error) {
      throw new ForgeApiError(method, target, 0, reasonOf(error, timeoutMs));
    }
  };
}

function reasonOf(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && error.name === 'TimeoutError')
    return `no whole answer within ${timeoutMs / 1000} s (forge.requestTimeoutSeconds)`;
  return error instanceof Error ? error.message : String(error);
}

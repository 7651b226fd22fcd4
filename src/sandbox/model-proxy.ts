/**
 * The model API as a run sees it: the runtime's requests come here (its `ANTHROPIC_BASE_URL`),
 * carrying only the run's own token, and go on to the real API with the real credential, which
 * never enters the sandbox. Only the Messages API is served (`POST /v1/messages` and its
 * `count_tokens`); anything else is refused, so the credential cannot be spent on other APIs.
 *
 * Every response's usage is counted here, priced (`pricing.ts`) and summed: that is the run's
 * cost. Once it reaches the run's budget, further requests are refused with an error the runtime
 * ends the run on — accounting and enforcement the agent cannot reach.
 */
import { request as httpRequest, type Agent as HttpAgent, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Logger } from '../lib/logger.js';
import type { Secret } from '../lib/secret.js';
import { addUsage, costOf, mergeUsage, NO_USAGE, usageFrom, type Usage } from './pricing.js';

export interface ModelCredential {
  readonly kind: 'api-key' | 'oauth-token';
  readonly secret: Secret;
}

export interface ModelProxyOptions {
  /** The real API's base URL (`model.baseUrl`, or https://api.anthropic.com). */
  readonly upstream: string;
  readonly credential: ModelCredential;
  /** Dollars this run may spend; requests are refused once the counted cost reaches it. */
  readonly budgetUsd: number | undefined;
  /** Keep-alive connections to the API, shared by every run. */
  readonly agent?: HttpAgent;
  readonly log: Logger;
  /** How long the API may take to start answering (default 10 minutes: long turns stream late). */
  readonly responseTimeoutMs?: number;
}

export interface ModelUsage {
  readonly requests: number;
  readonly costUsd: number;
  readonly usage: Usage;
  /** A request was refused because the budget was spent. */
  readonly budgetExceeded: boolean;
}

export interface ModelProxy {
  handle(req: IncomingMessage, res: ServerResponse, path: string, search: string): void;
  usage(): ModelUsage;
}

const SERVED = new Set(['/v1/messages', '/v1/messages/count_tokens']);

/** Hop-by-hop and credential headers: never forwarded either way. */
const DROPPED = new Set(['host', 'connection', 'keep-alive', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'x-api-key', 'authorization', 'cookie']);

export function createModelProxy(options: ModelProxyOptions): ModelProxy {
  let requests = 0;
  let costUsd = 0;
  let usage = NO_USAGE;
  let budgetExceeded = false;
  const base = options.upstream.replace(/\/+$/, '');

  const count = (model: string, used: Usage) => {
    usage = addUsage(usage, used);
    costUsd += costOf(model, used);
  };

  return {
    handle(req, res, path, search) {
      if (req.method !== 'POST' || !SERVED.has(path)) return refuse(res, 404, 'not_found_error', `claude-hooks serves only POST /v1/messages to agents, not ${req.method} ${path}`);
      const counted = path === '/v1/messages';
      if (counted && options.budgetUsd !== undefined && costUsd >= options.budgetUsd) {
        budgetExceeded = true;
        req.resume();
        return refuse(res, 400, 'invalid_request_error', `claude-hooks: this run's budget of $${options.budgetUsd.toFixed(4)} is spent ($${costUsd.toFixed(4)} counted by the service)`);
      }
      requests += 1;
      forward(options, base, req, res, path + search, counted ? count : undefined);
    },
    usage: () => ({ requests, costUsd, usage, budgetExceeded }),
  };
}

function forward(options: ModelProxyOptions, base: string, req: IncomingMessage, res: ServerResponse, pathAndSearch: string, count: ((model: string, used: Usage) => void) | undefined): void {
  const target = new URL(base + pathAndSearch);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const upstream = send(target, { method: 'POST', headers: outgoing(req.headers, options.credential), agent: options.agent, timeout: options.responseTimeoutMs ?? 600_000 });
  upstream.on('response', (answer) => {
    res.writeHead(answer.statusCode ?? 502, incoming(answer.headers));
    const reader = count && (answer.statusCode ?? 0) < 300 ? usageReader(answer.headers['content-type']) : undefined;
    answer.on('data', (chunk: Buffer) => reader?.push(chunk));
    answer.on('end', () => {
      const read = reader?.end();
      if (read && count) count(read.model, read.usage);
    });
    answer.pipe(res);
  });
  upstream.on('timeout', () => upstream.destroy(new Error('the model API did not answer in time')));
  upstream.on('error', (error) => {
    options.log.warn({ err: error.message }, 'model proxy: the request to the model API failed');
    if (!res.headersSent) refuse(res, 502, 'api_error', 'claude-hooks could not reach the model API');
    else res.destroy();
  });
  req.on('aborted', () => upstream.destroy());
  req.pipe(upstream);
}

function outgoing(headers: IncomingHttpHeaders, credential: ModelCredential): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && !DROPPED.has(name)) out[name] = value;
  if (credential.kind === 'api-key') out['x-api-key'] = credential.secret.reveal();
  else out.authorization = `Bearer ${credential.secret.reveal()}`;
  return out;
}

function incoming(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && !DROPPED.has(name) && name !== 'set-cookie') out[name] = value;
  return out;
}

function refuse(res: ServerResponse, status: number, type: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ type: 'error', error: { type, message } }));
}

interface UsageReader {
  push(chunk: Buffer): void;
  end(): { readonly model: string; readonly usage: Usage } | undefined;
}

/** Reads the usage out of a streamed (SSE) or whole JSON response as it passes through. */
function usageReader(contentType: string | undefined): UsageReader {
  return contentType?.includes('text/event-stream') ? sseUsage() : jsonUsage();
}

function sseUsage(): UsageReader {
  let pending = '';
  let model = '';
  let current = NO_USAGE;
  let total = NO_USAGE;
  let open = false;
  const onEvent = (data: Record<string, unknown>) => {
    if (data.type === 'message_start') {
      const message = (data.message ?? {}) as Record<string, unknown>;
      if (typeof message.model === 'string') model = message.model;
      current = usageFrom(message.usage);
      open = true;
    } else if (data.type === 'message_delta') {
      current = mergeUsage(current, data.usage);
    } else if (data.type === 'message_stop' && open) {
      total = addUsage(total, current);
      current = NO_USAGE;
      open = false;
    }
  };
  return {
    push(chunk) {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.startsWith('data:')) continue;
        const data = parseJson(line.slice(5).trim());
        if (data) onEvent(data);
      }
    },
    // A stream cut before message_stop still used what it reported.
    end: () => ({ model, usage: open ? addUsage(total, current) : total }),
  };
}

const MAX_JSON_BYTES = 16 * 1024 * 1024;

function jsonUsage(): UsageReader {
  const chunks: Buffer[] = [];
  let size = 0;
  return {
    push(chunk) {
      size += chunk.length;
      if (size <= MAX_JSON_BYTES) chunks.push(chunk);
    },
    end() {
      const body = parseJson(Buffer.concat(chunks).toString('utf8'));
      if (!body) return undefined;
      return { model: typeof body.model === 'string' ? body.model : '', usage: usageFrom(body.usage) };
    },
  };
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The model API as a run sees it: the runtime's requests come here (its `ANTHROPIC_BASE_URL`),
 * carrying only the run's own token, and go on to the real API with the real credential, which
 * never enters the sandbox. Only the Messages API is served (`POST /v1/messages` and its
 * `count_tokens`); anything else is refused, so the credential cannot be spent on other APIs.
 *
 * Every response's usage is counted here, priced (`pricing.ts`) and summed: that is the run's
 * cost. Once it reaches the run's budget, further requests are refused with an error the runtime
 * ends the run on — accounting and enforcement the agent cannot reach.
 *
 * It also watches the API for the run (`model-health.ts`): an answer that does not start within the
 * response timeout, or a stream that goes silent for the idle timeout, is cut — the runtime sees a
 * broken stream and retries or gives up at once, instead of holding the run's slot until its wall
 * clock — and every failed attempt (a stall, 429, 5xx, no answer) is counted and told as it happens.
 */
import {
  request as httpRequest,
  type Agent as HttpAgent,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Logger } from '../lib/logger.js';
import type { Secret } from '../lib/secret.js';
import { answerReader, type AnswerRead, type ApiError } from './answer-reader.js';
import {
  createHealthCounter,
  isTroubleStatus,
  type AttemptOutcome,
  type ModelHealth,
  type ModelTroubleListener,
} from './model-health.js';
import { addUsage, costOf, NO_USAGE, type Usage } from './pricing.js';

export interface ModelCredential {
  readonly kind: 'api-key' | 'oauth-token';
  readonly secret: Secret;
}

/** Beside the credential: how long the proxy waits for the API, and whom it tells about trouble. */
export interface ModelWatch extends ModelTroubleListener {
  /** How long the API may take to start answering (default 10 minutes: long turns stream late). */
  readonly responseTimeoutMs?: number;
  /** Once an answer has begun, how long it may send nothing before it is cut as stalled (default 2 minutes). */
  readonly idleTimeoutMs?: number;
}

export interface ModelProxyOptions extends ModelWatch {
  /** The real API's base URL (`model.baseUrl`, or https://api.anthropic.com). */
  readonly upstream: string;
  readonly credential: ModelCredential;
  /** Dollars this run may spend; requests are refused once the counted cost reaches it. */
  readonly budgetUsd: number | undefined;
  /** Keep-alive connections to the API, shared by every run. */
  readonly agent?: HttpAgent;
  readonly log: Logger;
}

export interface ModelUsage {
  readonly requests: number;
  readonly costUsd: number;
  readonly usage: Usage;
  /** A request was refused because the budget was spent. */
  readonly budgetExceeded: boolean;
  /** Stalls and failed attempts of the model API (`/v1/messages` only). */
  readonly model: ModelHealth;
}

export interface ModelProxy {
  handle(req: IncomingMessage, res: ServerResponse, path: string, search: string): void;
  usage(): ModelUsage;
}

const DEFAULT_RESPONSE_TIMEOUT_MS = 600_000;
const DEFAULT_IDLE_TIMEOUT_MS = 120_000;

const SERVED = new Set(['/v1/messages', '/v1/messages/count_tokens']);

/** Hop-by-hop and credential headers: never forwarded either way. */
const DROPPED = new Set([
  'host',
  'connection',
  'keep-alive',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'x-api-key',
  'authorization',
  'cookie',
]);

export function createModelProxy(options: ModelProxyOptions): ModelProxy {
  let requests = 0;
  let costUsd = 0;
  let usage = NO_USAGE;
  let budgetExceeded = false;
  const health = createHealthCounter(options, options.log);
  const route: Route = {
    base: options.upstream.replace(/\/+$/, ''),
    credential: options.credential,
    agent: options.agent,
    log: options.log,
    responseTimeoutMs: options.responseTimeoutMs ?? DEFAULT_RESPONSE_TIMEOUT_MS,
    idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
  };

  const count = (model: string, used: Usage) => {
    usage = addUsage(usage, used);
    costUsd += costOf(model, used);
  };

  return {
    handle(req, res, path, search) {
      if (req.method !== 'POST' || !SERVED.has(path))
        return refuse(
          res,
          404,
          'not_found_error',
          `claude-hooks serves only POST /v1/messages to agents, not ${req.method} ${path}`,
        );
      const counted = path === '/v1/messages';
      if (counted && options.budgetUsd !== undefined && costUsd >= options.budgetUsd) {
        budgetExceeded = true;
        req.resume();
        return refuse(
          res,
          400,
          'invalid_request_error',
          `claude-hooks: this run's budget of $${options.budgetUsd.toFixed(4)} is spent ($${costUsd.toFixed(4)} counted by the service)`,
        );
      }
      requests += 1;
      forward(route, req, res, path + search, counted ? { count, record: health.record } : undefined);
    },
    usage: () => ({ requests, costUsd, usage, budgetExceeded, model: health.health() }),
  };
}

/** Where and how one run's requests go. */
interface Route {
  readonly base: string;
  readonly credential: ModelCredential;
  readonly agent: HttpAgent | undefined;
  readonly log: Logger;
  readonly responseTimeoutMs: number;
  readonly idleTimeoutMs: number;
}

/** What a model request (`/v1/messages`) reports back: the usage it carried, and how it ended. */
interface Tally {
  count(model: string, used: Usage): void;
  record(outcome: AttemptOutcome): void;
}

/**
 * Sends one request on to the API and its answer back. Every way it can end — answered, failed,
 * stalled, or the runtime hanging up first — ends it once (`end`), before anything is destroyed,
 * so that the destruction that follows is not counted again as a failure of its own.
 */
function forward(
  route: Route,
  req: IncomingMessage,
  res: ServerResponse,
  pathAndSearch: string,
  tally: Tally | undefined,
): void {
  const target = new URL(route.base + pathAndSearch);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const upstream = send(target, {
    method: 'POST',
    headers: outgoing(req.headers, route.credential),
    agent: route.agent,
  });
  const watchdog = createWatchdog();
  let ended = false;
  const end = (outcome: AttemptOutcome) => {
    if (ended) return;
    ended = true;
    watchdog.stop();
    tally?.record(outcome);
  };

  watchdog.arm(route.responseTimeoutMs, () => {
    end(stalled(`the model API did not start answering within ${seconds(route.responseTimeoutMs)}`));
    upstream.destroy();
    answerFailure(res, 504, 'claude-hooks: the model API did not start answering in time');
  });
  upstream.on('response', (answer) => {
    const status = answer.statusCode ?? 502;
    res.writeHead(status, incoming(answer.headers));
    const reader = tally ? answerReader(answer.headers['content-type']) : undefined;
    let read: AnswerRead | undefined;
    // Once, as soon as the answer is over for the run: a cut answer still used what it reported.
    const readAnswer = (): AnswerRead | undefined => {
      if (read || !reader) return read;
      read = reader.end();
      if (read.used && status < 300) tally?.count(read.used.model, read.used.usage);
      return read;
    };
    watchdog.arm(route.idleTimeoutMs, () => {
      readAnswer();
      end(stalled(`the model API's answer stalled: nothing for ${seconds(route.idleTimeoutMs)}`));
      upstream.destroy();
      res.destroy();
    });
    answer.on('data', (chunk: Buffer) => {
      watchdog.feed();
      if (!read) reader?.push(chunk);
    });
    // A broken answer is seen on 'close', as one that is not complete.
    answer.on('error', () => undefined);
    answer.on('close', () => {
      const error = readAnswer()?.error;
      if (!answer.complete) res.destroy();
      end(outcomeOf(status, answer.complete, error));
    });
    res.on('close', readAnswer);
    answer.pipe(res);
  });
  upstream.on('error', (error: NodeJS.ErrnoException) => {
    route.log.warn({ err: error.message }, 'model proxy: the request to the model API failed');
    // The code only (ECONNREFUSED, ECONNRESET): the message would name the API's address.
    end({
      kind: 'failed',
      status: 'no-answer',
      message: `the model API could not be reached${error.code ? ` (${error.code})` : ''}`,
    });
    answerFailure(res, 502, 'claude-hooks could not reach the model API');
  });
  res.on('close', () => {
    if (res.writableFinished) return;
    end({ kind: 'neither' }); // the runtime hung up: not the API's failure
    upstream.destroy();
  });
  req.pipe(upstream);
}

/** An `error` event in a stream that began 200, as the status the same trouble has as an answer. */
const STREAMED_TROUBLE: Readonly<Record<string, number>> = {
  overloaded_error: 529,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
};
const MAX_MESSAGE_CHARS = 300;

function outcomeOf(status: number, complete: boolean, error: ApiError | undefined): AttemptOutcome {
  if (!complete) return { kind: 'failed', status: 'no-answer', message: 'the model API broke off its answer' };
  const message = error?.message.slice(0, MAX_MESSAGE_CHARS);
  if (isTroubleStatus(status))
    return { kind: 'failed', status, message: message || `the model API answered ${status}` };
  if (status >= 300) return { kind: 'neither' };
  if (!error) return { kind: 'answered' };
  const streamed = STREAMED_TROUBLE[error.type];
  return streamed === undefined
    ? { kind: 'neither' }
    : { kind: 'failed', status: streamed, message: message || error.type };
}

const stalled = (message: string): AttemptOutcome => ({ kind: 'failed', status: 'stalled', message });

const seconds = (ms: number): string => `${Number((ms / 1000).toFixed(1))} s`;

/** Answers the runtime with an error it retries, or breaks the answer already under way. */
function answerFailure(res: ServerResponse, status: number, message: string): void {
  if (!res.headersSent) refuse(res, status, 'api_error', message);
  else if (!res.writableEnded) res.destroy();
}

/** One timer, re-armed as the request moves from waiting for an answer to streaming it. */
interface Watchdog {
  arm(ms: number, onSilence: () => void): void;
  /** Bytes arrived: the silence starts again. */
  feed(): void;
  stop(): void;
}

function createWatchdog(): Watchdog {
  let timer: NodeJS.Timeout | undefined;
  return {
    arm(ms, onSilence) {
      clearTimeout(timer);
      timer = setTimeout(onSilence, ms);
    },
    feed: () => void timer?.refresh(),
    stop() {
      clearTimeout(timer);
      timer = undefined;
    },
  };
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
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined && !DROPPED.has(name) && name !== 'set-cookie') out[name] = value;
  return out;
}

function refuse(res: ServerResponse, status: number, type: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ type: 'error', error: { type, message } }));
}

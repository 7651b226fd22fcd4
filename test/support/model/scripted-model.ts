/**
 * A scripted model: an Anthropic-compatible Messages API server on loopback, so tests and the
 * demo drive the real Claude Agent SDK (and the Claude Code runtime it spawns) end to end with
 * no model service. Point the runtime at it with `sdkEnv({ modelUrl: model.url, ... })`.
 *
 * Each agent turn (a streaming `POST /v1/messages` carrying tools) is answered by the responder
 * when one is given and returns a turn, else by the next turn of the script; once the script is
 * exhausted it answers `Done.` with `end_turn` and counts a dry reply. Auxiliary requests (see
 * `classify-request.ts`) get a canned answer and leave the script alone. `count_tokens` answers
 * an estimate. Every request is recorded, credentials removed, so a test can assert what the
 * agent was sent. Unknown routes get Anthropic's 404 error body.
 *
 * A fault (`faults.ts`: a 529 overloaded answer, a stream that stalls) can be played in place of
 * agent turns, from the start (`fault` option) or later (`injectFault`); none by default.
 */
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AuxiliaryReason, auxiliaryText, classifyMessagesRequest } from './classify-request.js';
import { type Fault, type FaultKind, faultPlan, sendOverloaded, sendStall } from './faults.js';
import { type AssistantReply, buildReply, estimateTokens, replyEvents, replyMessage } from './reply.js';
import {
  type CountTokensRequest,
  countTokensRequestSchema,
  type MessagesRequest,
  messagesRequestSchema,
} from './schema.js';
import { blocksOf, type ScriptBlock, text, type Turn } from './script.js';

/** Where a turn's answer came from; `exhausted` means the script had run dry. */
export type TurnSource = 'script' | 'responder' | 'exhausted';

interface RecordedBase {
  readonly method: string;
  /** The URL path without its query (the runtime calls `/v1/messages?beta=true`). */
  readonly path: string;
  readonly search: string;
  /** Lower-cased names; `x-api-key` and `authorization` are left out. */
  readonly headers: Readonly<Record<string, string>>;
  /** When the request arrived (ms since the epoch): benchmarks time the first model request by it. */
  readonly at: number;
}

export interface TurnRequest extends RecordedBase {
  readonly kind: 'turn';
  readonly source: TurnSource;
  readonly body: MessagesRequest;
}

export interface AuxiliaryRequest extends RecordedBase {
  readonly kind: 'auxiliary';
  readonly reason: AuxiliaryReason | 'HEAD probe';
  readonly body: MessagesRequest | undefined;
}

export interface CountTokensRecord extends RecordedBase {
  readonly kind: 'count_tokens';
  readonly body: CountTokensRequest;
}

export interface RejectedRequest extends RecordedBase {
  readonly kind: 'rejected';
  readonly status: number;
  /** The body parsed as JSON, the raw text when it is not JSON, undefined when empty. */
  readonly body: unknown;
}

/** An agent turn answered with a fault instead of the script. */
export interface FaultedRequest extends RecordedBase {
  readonly kind: 'faulted';
  readonly fault: FaultKind;
  readonly body: MessagesRequest;
}

export type RecordedRequest = TurnRequest | AuxiliaryRequest | CountTokensRecord | RejectedRequest | FaultedRequest;

/** Reacts to what was sent; returning undefined lets the script answer instead. */
export type Responder = (request: {
  readonly body: MessagesRequest;
  readonly headers: Readonly<Record<string, string>>;
}) => Turn | undefined;

export interface ScriptedModelOptions {
  readonly script?: readonly Turn[];
  readonly respond?: Responder;
  /** A fault played from the first agent turn on (see `injectFault`). */
  readonly fault?: Fault;
}

export interface ScriptedModel {
  /** The base URL for `ANTHROPIC_BASE_URL`: `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Every request so far, in arrival order (a live view). */
  readonly requests: readonly RecordedRequest[];
  /** The agent's own turns only, in arrival order. */
  readonly turnRequests: readonly TurnRequest[];
  /** Turns still queued. */
  readonly remaining: number;
  /** Turns answered after the script ran dry. */
  readonly dryReplies: number;
  enqueue(...turns: readonly Turn[]): void;
  setScript(turns: readonly Turn[]): void;
  /**
   * Answers agent turns with `fault.kind` from now on: the next `count` turns, every turn for
   * `forMs`, or (neither) every turn until `injectFault(undefined)` clears it.
   */
  injectFault(fault: Fault | undefined): void;
  close(): Promise<void>;
}

const EXHAUSTED_TEXT = 'Done.';
const SECRET_HEADERS = new Set(['x-api-key', 'authorization']);

export async function startScriptedModel(options: ScriptedModelOptions = {}): Promise<ScriptedModel> {
  const requests: RecordedRequest[] = [];
  let queue: (readonly ScriptBlock[])[] = (options.script ?? []).map(blocksOf);
  let dryReplies = 0;
  let messageCount = 0;
  let toolCount = 0;
  const faults = faultPlan();
  faults.set(options.fault, Date.now());

  const nextReply = (blocks: readonly ScriptBlock[], body: MessagesRequest): AssistantReply =>
    buildReply(
      blocks,
      {
        messageId: `msg_scripted_${String(++messageCount).padStart(3, '0')}`,
        nextToolId: () => `toolu_scripted_${String(++toolCount).padStart(3, '0')}`,
      },
      { model: body.model, inputTokens: estimateTokens(body.messages) },
    );

  const answerTurn = (
    body: MessagesRequest,
    headers: Record<string, string>,
  ): { source: TurnSource; blocks: readonly ScriptBlock[] } => {
    const responded = options.respond?.({ body, headers });
    if (responded !== undefined) return { source: 'responder', blocks: blocksOf(responded) };
    const next = queue.shift();
    if (next !== undefined) return { source: 'script', blocks: next };
    dryReplies += 1;
    return { source: 'exhausted', blocks: [text(EXHAUSTED_TEXT)] };
  };

  const handleMessages = (base: RecordedBase, raw: string, res: ServerResponse): void => {
    const parsed = messagesRequestSchema.safeParse(parseJson(raw));
    if (!parsed.success) return reject(base, raw, res, 400, 'invalid_request_error', parsed.error.message);
    const body = parsed.data;
    const classification = classifyMessagesRequest(body, base.headers);
    let blocks: readonly ScriptBlock[];
    if (classification.kind === 'auxiliary') {
      requests.push({ ...base, kind: 'auxiliary', reason: classification.reason, body });
      blocks = [text(auxiliaryText(body))];
    } else {
      const fault = faults.next(Date.now());
      if (fault !== undefined) return playFault(base, body, fault, res);
      const answer = answerTurn(body, base.headers);
      requests.push({ ...base, kind: 'turn', source: answer.source, body });
      blocks = answer.blocks;
    }
    sendReply(res, nextReply(blocks, body), body.stream === true);
  };

  const playFault = (base: RecordedBase, body: MessagesRequest, fault: FaultKind, res: ServerResponse): void => {
    requests.push({ ...base, kind: 'faulted', fault, body });
    if (fault === 'overloaded') return sendOverloaded(res);
    sendStall(res, nextReply([text('Looking into it now, one moment while I read the files.')], body));
  };

  const handleCountTokens = (base: RecordedBase, raw: string, res: ServerResponse): void => {
    const parsed = countTokensRequestSchema.safeParse(parseJson(raw));
    if (!parsed.success) return reject(base, raw, res, 400, 'invalid_request_error', parsed.error.message);
    requests.push({ ...base, kind: 'count_tokens', body: parsed.data });
    sendJson(res, 200, { input_tokens: estimateTokens(parsed.data) });
  };

  const reject = (
    base: RecordedBase,
    raw: string,
    res: ServerResponse,
    status: number,
    type: string,
    message: string,
  ): void => {
    requests.push({ ...base, kind: 'rejected', status, body: raw === '' ? undefined : (parseJson(raw) ?? raw) });
    sendJson(res, status, { type: 'error', error: { type, message } });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const at = Date.now();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const raw = await readBody(req);
    const base: RecordedBase = {
      method: req.method ?? 'GET',
      path: url.pathname,
      search: url.search,
      headers: recordHeaders(req.headers),
      at,
    };
    if (base.method === 'HEAD') {
      requests.push({ ...base, kind: 'auxiliary', reason: 'HEAD probe', body: undefined });
      res.writeHead(200).end();
      return;
    }
    if (base.method === 'POST' && base.path === '/v1/messages') return handleMessages(base, raw, res);
    if (base.method === 'POST' && base.path === '/v1/messages/count_tokens') return handleCountTokens(base, raw, res);
    reject(base, raw, res, 404, 'not_found_error', `no route for ${base.method} ${base.path}`);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { type: 'error', error: { type: 'api_error', message: String(error) } });
      else res.destroy();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get turnRequests() {
      return requests.filter((request): request is TurnRequest => request.kind === 'turn');
    },
    get remaining() {
      return queue.length;
    },
    get dryReplies() {
      return dryReplies;
    },
    enqueue: (...turns) => {
      queue.push(...turns.map(blocksOf));
    },
    setScript: (turns) => {
      queue = turns.map(blocksOf);
    },
    injectFault: (fault) => {
      faults.set(fault, Date.now());
    },
    close: async () => {
      const closed = once(server, 'close');
      server.close();
      // The runtime keeps connections alive; they would hold the server open.
      server.closeAllConnections();
      await closed;
    },
  };
}

function sendReply(res: ServerResponse, reply: AssistantReply, stream: boolean): void {
  if (!stream) return sendJson(res, 200, replyMessage(reply));
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    'request-id': `req_${reply.id}`,
  });
  res.end(replyEvents(reply));
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

function recordHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || SECRET_HEADERS.has(name)) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/**
 * The forge's git as a sandboxed run sees it: the agent's `git fetch` and `git push` come here
 * (a smart-HTTP remote inside the service) instead of going to the forge, so the agent never
 * holds its forge token. The proxy adds the agent's credentials and passes the request on to
 * exactly one repository, `upstream`; the request decides nothing about where it goes.
 *
 * The contract:
 * - Only the smart protocol is served: `GET info/refs?service=git-upload-pack|git-receive-pack`,
 *   `POST git-upload-pack`, `POST git-receive-pack`. Anything else is 404 (or 405 for a wrong
 *   method) with a one-line text reason, and never reaches the forge.
 * - Without a push policy the proxy is fetch-only: receive-pack (advertisement and POST) is 403.
 * - A push's command list is read and every ref update put to the policy before a byte goes to
 *   the forge. If any is refused, nothing is forwarded: the proxy answers itself with a
 *   report-status naming the reason, so the agent's `git push` prints
 *   `! [remote rejected] <ref> (<reason>)`. A push is forwarded whole or not at all.
 * - Compressed push bodies (`Content-Encoding: gzip`) are refused with 415 rather than inflated:
 *   git never compresses receive-pack requests, and not inflating keeps the forwarded bytes
 *   exactly the agent's.
 * - After the forge accepted a push, `onPushed` is told the ref updates its report-status marked
 *   `ok` (read as the response streams by, nothing buffered).
 * - The credentials are never logged and never part of an answer; upstream failures are 502,
 *   an upstream silent for `responseTimeoutMs` is 504, neither naming the forge's address.
 */
import {
  request as httpRequest,
  type Agent as HttpAgent,
  type ClientRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type RequestOptions,
  type ServerResponse,
} from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Logger } from '../lib/logger.js';
import type { Secret } from '../lib/secret.js';
import {
  encodePktLine,
  encodeSideBand,
  FLUSH_PKT,
  MAX_PKT_LENGTH,
  PktLineDecoder,
  PktLineError,
  readSection,
  SIDE_BAND_PKT_LENGTH,
  type Packet,
} from './pkt-line.js';

/** One ref update of a push: `0000…` as old means create, as new means delete. */
export interface RefUpdate {
  readonly oldSha: string;
  readonly newSha: string;
  readonly ref: string;
}

/** Answers why an update is refused, or undefined when it may go on. */
export type PushPolicy = (update: RefUpdate) => string | undefined;

export interface GitProxyOptions {
  /** The repository on the forge, e.g. `http://127.0.0.1:3000/acme/widget.git`: the only place requests go. */
  readonly upstream: string;
  /** Basic auth added to every upstream request (the agent's login and token). Never logged. */
  readonly credentials: { readonly username: string; readonly password: Secret };
  /** Absent: fetch only — receive-pack (both its info/refs advertisement and the POST) is refused with 403. */
  readonly push?: PushPolicy;
  readonly log: Logger;
  /** Told of each push the forge accepted (the ref updates), e.g. so the service knows the new head. */
  readonly onPushed?: (updates: readonly RefUpdate[]) => void;
  /**
   * How long the forge may stay silent — not connecting, not answering a sent request, not
   * sending the next bytes — before the request is given up: 504 before the response started,
   * a cut connection after. Default 60 s; git's own keep-alives (every 5 s while the forge packs
   * or checks) keep a slow but working forge under it.
   */
  readonly responseTimeoutMs?: number;
  /** Connections to the forge (e.g. a keep-alive agent shared by runs); Node's global agent when absent. */
  readonly agent?: HttpAgent;
}

export interface GitProxy {
  /**
   * Serves one request. `rest` is the path after the proxy's mount point, without leading slash and
   * without query (`info/refs`, `git-upload-pack`, `git-receive-pack`); `search` is the query
   * string including `?` or ''.
   */
  handle(req: IncomingMessage, res: ServerResponse, rest: string, search: string): void;
  /** How many ref updates / requests were refused so far (for the run record). */
  refusals(): number;
}

const DEFAULT_RESPONSE_TIMEOUT_MS = 60_000;
/** Bounds on a push's command list, read into memory before anything is forwarded. */
const MAX_COMMAND_LIST_BYTES = 1024 * 1024;
const MAX_COMMANDS = 10_000;
/** Git has no hard limit; a path this long cannot be a ref on any file system the forge uses. */
const MAX_REF_LENGTH = 4096;
const MAX_REASON_LENGTH = 300;
const NOT_PUSHED = 'not pushed: another ref of this push was refused';

/** What git needs of the client's headers. Authorization, cookies and Host are the proxy's to set. */
const FORWARDED_REQUEST_HEADERS = [
  'content-type',
  'accept',
  'git-protocol',
  'content-encoding',
  'user-agent',
  'content-length',
] as const;
const FORWARDED_RESPONSE_HEADERS = [
  'content-type',
  'cache-control',
  'content-encoding',
  'content-length',
  'expires',
  'pragma',
] as const;

type Service = 'git-upload-pack' | 'git-receive-pack';
type Route = { readonly kind: 'advertisement' | 'rpc'; readonly service: Service };
interface Refusal {
  readonly status: number;
  readonly reason: string;
  readonly headers?: Readonly<Record<string, string>>;
}

interface Context {
  readonly options: GitProxyOptions;
  /** `upstream` without trailing slashes. */
  readonly base: string;
  readonly send: (url: string, options: RequestOptions) => ClientRequest;
  readonly authorization: string;
  readonly timeoutMs: number;
  readonly log: Logger;
  refused(count: number): void;
}

export function createGitProxy(options: GitProxyOptions): GitProxy {
  const base = upstreamBase(options.upstream);
  let refusals = 0;
  const context: Context = {
    options,
    base,
    send: base.startsWith('https:') ? httpsRequest : httpRequest,
    authorization: basicAuth(options.credentials.username, options.credentials.password),
    timeoutMs: options.responseTimeoutMs ?? DEFAULT_RESPONSE_TIMEOUT_MS,
    log: options.log,
    refused: (count) => {
      refusals += count;
    },
  };
  return {
    handle: (req, res, rest, search) => handle(context, req, res, rest, search),
    refusals: () => refusals,
  };
}

/** dev's rule: only `refs/heads/<branch>` may be created or updated (force allowed); deletes, tags, any other ref refused, with a reason naming the branch it may push. */
export function ownBranchOnly(branch: string): PushPolicy {
  if (!/^[^\s\x00-\x1f\x7f]+$/.test(branch) || branch.startsWith('refs/')) {
    throw new TypeError('ownBranchOnly takes a short branch name (no "refs/", no whitespace)');
  }
  const own = `refs/heads/${branch}`;
  const only = `only branch ${branch} may be pushed`;
  return ({ newSha, ref }) => {
    if (isZeroSha(newSha)) return `deleting refs is not allowed; ${only}`;
    if (ref === own) return undefined;
    if (ref.startsWith('refs/tags/')) return `tags may not be pushed; ${only}`;
    return only;
  };
}

function upstreamBase(upstream: string): string {
  const url = new URL(upstream);
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new TypeError('the git proxy upstream must be an http(s) URL');
  // The credentials have their own option; a URL carrying some would get them logged somewhere.
  if (url.username !== '' || url.password !== '')
    throw new TypeError('the git proxy upstream must not carry credentials');
  if (url.search !== '' || url.hash !== '')
    throw new TypeError('the git proxy upstream must not have a query or fragment');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

function basicAuth(username: string, password: Secret): string {
  return `Basic ${Buffer.from(`${username}:${password.reveal()}`, 'utf8').toString('base64')}`;
}

function handle(context: Context, req: IncomingMessage, res: ServerResponse, rest: string, search: string): void {
  const route = routeOf(req.method ?? 'GET', rest, search);
  if ('status' in route) return refuseRequest(context, req, res, route, rest);
  // The query is rebuilt rather than passed on, so nothing but the service reaches the forge.
  if (route.service === 'git-upload-pack')
    return forward(context, req, res, {
      path: route.kind === 'advertisement' ? 'info/refs?service=git-upload-pack' : 'git-upload-pack',
    });
  const policy = context.options.push;
  if (policy === undefined)
    return refuseRequest(context, req, res, { status: 403, reason: 'this run may fetch but not push' }, rest);
  if (route.kind === 'advertisement') return forward(context, req, res, { path: 'info/refs?service=git-receive-pack' });
  receivePack(context, req, res, policy).catch((error: unknown) => {
    context.log.error(
      { err: error instanceof Error ? error.message : String(error) },
      'git proxy failed to handle a push',
    );
    if (res.headersSent) res.destroy();
    else answerText(res, 500, 'the git proxy failed to handle this push');
  });
}

function routeOf(method: string, rest: string, search: string): Route | Refusal {
  if (rest === 'info/refs') {
    if (method !== 'GET') return { status: 405, reason: 'info/refs is served to GET only', headers: { allow: 'GET' } };
    const service = new URLSearchParams(search).get('service');
    if (service === null) return { status: 404, reason: 'the dumb HTTP protocol is not served; use smart HTTP' };
    if (!isService(service)) return { status: 404, reason: 'unknown git service' };
    return { kind: 'advertisement', service };
  }
  if (!isService(rest)) return { status: 404, reason: 'not a smart-HTTP git path' };
  if (method !== 'POST') return { status: 405, reason: `${rest} is served to POST only`, headers: { allow: 'POST' } };
  return { kind: 'rpc', service: rest };
}

function isService(name: string): name is Service {
  return name === 'git-upload-pack' || name === 'git-receive-pack';
}

function refuseRequest(
  context: Context,
  req: IncomingMessage,
  res: ServerResponse,
  refusal: Refusal,
  rest: string,
): void {
  context.refused(1);
  context.log.warn(
    { method: req.method, path: rest.slice(0, 200), status: refusal.status, reason: refusal.reason },
    'git proxy refused a request',
  );
  answerText(res, refusal.status, refusal.reason, refusal.headers);
  // Whatever body the client is still sending is read and dropped, so it sees the answer.
  req.resume();
}

function answerText(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache', ...headers });
  res.end(`${text}\n`);
}

// ---------------------------------------------------------------------------------------------
// Pushes

interface CommandList {
  readonly updates: readonly RefUpdate[];
  /** The client's capabilities, from the first command. */
  readonly capabilities: ReadonlySet<string>;
}

type ParsedCommands =
  | { readonly kind: 'incomplete' }
  | { readonly kind: 'commands'; readonly list: CommandList }
  | { readonly kind: 'refused'; readonly refusal: Refusal };

type ReadCommands =
  | { readonly kind: 'commands'; readonly list: CommandList; readonly head: Buffer }
  | { readonly kind: 'refused'; readonly refusal: Refusal }
  | { readonly kind: 'aborted' };

interface Verdict {
  readonly update: RefUpdate;
  readonly reason: string | undefined;
}

async function receivePack(
  context: Context,
  req: IncomingMessage,
  res: ServerResponse,
  policy: PushPolicy,
): Promise<void> {
  if (!isIdentity(req.headers['content-encoding'])) {
    return refuseRequest(
      context,
      req,
      res,
      { status: 415, reason: 'compressed push requests are not supported; send the body uncompressed' },
      'git-receive-pack',
    );
  }
  const read = await readCommandList(req);
  if (read.kind === 'aborted') return void res.destroy();
  if (read.kind === 'refused') return refuseRequest(context, req, res, read.refusal, 'git-receive-pack');
  const verdicts = read.list.updates.map((update) => ({ update, reason: cleanReason(policy(update)) }));
  const refused = verdicts.filter((verdict) => verdict.reason !== undefined);
  if (refused.length === 0) return forwardPush(context, req, res, read.list, read.head);
  context.refused(refused.length);
  context.log.warn(
    { refused: refused.map(({ update, reason }) => ({ ref: update.ref, reason })) },
    'git proxy refused a push',
  );
  // A client that asked for no report-status (git always asks) could not read one: plain text.
  if (!reportsStatus(read.list.capabilities)) {
    answerText(res, 403, refused.map(({ update, reason }) => `${update.ref}: ${reason}`).join('; '));
    return void req.resume();
  }
  // git reads the answer only once it has sent its whole pack.
  await drain(req);
  if (res.destroyed) return; // the client gave up while sending
  res.writeHead(200, { 'content-type': 'application/x-git-receive-pack-result', 'cache-control': 'no-cache' });
  res.end(refusalReport(verdicts, read.list.capabilities));
}

/** Reads the request up to the end of its command list; the stream is left paused after it. */
function readCommandList(req: IncomingMessage): Promise<ReadCommands> {
  return new Promise((resolve) => {
    let head = Buffer.alloc(0);
    const finish = (outcome: ReadCommands) => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.pause();
      resolve(outcome);
    };
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const parsed = parseCommandList(head);
      if (parsed.kind === 'commands') finish({ kind: 'commands', list: parsed.list, head });
      else if (parsed.kind === 'refused') finish(parsed);
      else if (head.length > MAX_COMMAND_LIST_BYTES) finish({ kind: 'refused', refusal: tooLarge() });
    };
    const onEnd = () => finish({ kind: 'refused', refusal: malformed('the request ended inside the command list') });
    const onError = () => finish({ kind: 'aborted' });
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

function tooLarge(): Refusal {
  return {
    status: 413,
    reason: `a push may update at most ${MAX_COMMANDS} refs in a command list of at most ${MAX_COMMAND_LIST_BYTES} bytes`,
  };
}

function malformed(reason: string): Refusal {
  return { status: 400, reason: `malformed push: ${reason}` };
}

/**
 * The command list at the start of a receive-pack request (gitprotocol-pack(5)):
 * `*shallow (command NUL capabilities) *command flush`, each a pkt-line that may end with LF.
 */
function parseCommandList(head: Buffer): ParsedCommands {
  let section: ReturnType<typeof readSection>;
  try {
    section = readSection(head);
  } catch (error) {
    if (error instanceof PktLineError) return { kind: 'refused', refusal: malformed(error.message) };
    throw error;
  }
  if (!section.complete) return { kind: 'incomplete' };
  const lines = section.payloads.map((payload) => payload.toString('utf8').replace(/\n$/, ''));
  const first = lines.findIndex((line) => !line.startsWith('shallow '));
  // No commands at all is git's probe before a large (chunked) push: it may go on, it updates nothing.
  if (first < 0) return { kind: 'commands', list: { updates: [], capabilities: new Set() } };
  if (lines.length - first > MAX_COMMANDS) return { kind: 'refused', refusal: tooLarge() };
  const [firstCommand = '', capabilities = ''] = (lines[first] ?? '').split('\0', 2);
  if (firstCommand.startsWith('push-cert'))
    return { kind: 'refused', refusal: { status: 400, reason: 'signed pushes are not supported' } };
  const updates: RefUpdate[] = [];
  for (const [index, line] of [firstCommand, ...lines.slice(first + 1)].entries()) {
    const update = parseCommand(line);
    if (!update) return { kind: 'refused', refusal: malformed(`command ${index + 1} is not "<old> <new> <ref>"`) };
    updates.push(update);
  }
  return {
    kind: 'commands',
    list: { updates, capabilities: new Set(capabilities.split(' ').filter((word) => word !== '')) },
  };
}

const COMMAND = /^([0-9a-f]{40}|[0-9a-f]{64}) ([0-9a-f]{40}|[0-9a-f]{64}) ([^\x00-\x20\x7f]+)$/;

function parseCommand(line: string): RefUpdate | undefined {
  const match = COMMAND.exec(line);
  if (!match) return undefined;
  const [, oldSha = '', newSha = '', ref = ''] = match;
  if (oldSha.length !== newSha.length || ref.length > MAX_REF_LENGTH) return undefined;
  return { oldSha, newSha, ref };
}

function isZeroSha(sha: string): boolean {
  return /^0+$/.test(sha);
}

function isIdentity(encoding: string | undefined): boolean {
  return encoding === undefined || encoding.trim() === '' || encoding.trim().toLowerCase() === 'identity';
}

/** A policy's reason as one short line: it goes into a pkt-line git prints. */
function cleanReason(reason: string | undefined): string | undefined {
  if (reason === undefined) return undefined;
  const line = reason
    .replace(/[\x00-\x1f\x7f]+/g, ' ')
    .trim()
    .slice(0, MAX_REASON_LENGTH);
  return line === '' ? 'refused' : line;
}

function reportsStatus(capabilities: ReadonlySet<string>): boolean {
  return capabilities.has('report-status') || capabilities.has('report-status-v2');
}

/** The longest side-band packet the client agreed to, or undefined without side-band. */
function sideBandLimit(capabilities: ReadonlySet<string>): number | undefined {
  if (capabilities.has('side-band-64k')) return MAX_PKT_LENGTH;
  if (capabilities.has('side-band')) return SIDE_BAND_PKT_LENGTH;
  return undefined;
}

/**
 * What receive-pack would answer had it refused the refs itself: `unpack ok` (nothing was wrong
 * with the pack, so git reports per ref), an `ng` per ref, a flush — inside band 1 and followed by
 * a flush of its own when side-band is on. Valid as report-status and as report-status-v2.
 */
function refusalReport(verdicts: readonly Verdict[], capabilities: ReadonlySet<string>): Buffer {
  const report = Buffer.concat([
    encodePktLine('unpack ok\n'),
    ...verdicts.map(({ update, reason }) => encodePktLine(`ng ${update.ref} ${reason ?? NOT_PUSHED}\n`)),
    FLUSH_PKT,
  ]);
  const limit = sideBandLimit(capabilities);
  return limit === undefined ? report : Buffer.concat([encodeSideBand(1, report, limit), FLUSH_PKT]);
}

function drain(req: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    if (req.readableEnded) return resolve();
    req.once('end', resolve);
    req.once('close', resolve);
    req.resume();
  });
}

function forwardPush(
  context: Context,
  req: IncomingMessage,
  res: ServerResponse,
  list: CommandList,
  head: Buffer,
): void {
  context.log.info({ refs: list.updates.map((update) => update.ref) }, 'git proxy forwarding a push');
  forward(context, req, res, { path: 'git-receive-pack', head, watch: (answer) => watchPush(context, answer, list) });
}

/** Learns from the forge's report-status which updates it made, and tells `onPushed`. */
function watchPush(context: Context, answer: IncomingMessage, list: CommandList): void {
  if (answer.statusCode !== 200 || list.updates.length === 0) return;
  // Unreadable reports (the client asked for none, or the forge compressed it): a 200 is all we know.
  const report =
    reportsStatus(list.capabilities) && isIdentity(answer.headers['content-encoding'])
      ? new PushReport(sideBandLimit(list.capabilities) !== undefined)
      : undefined;
  if (report) answer.on('data', (chunk: Buffer) => report.push(chunk));
  answer.on('end', () => {
    const accepted = report ? report.accepted(list.updates) : list.updates;
    if (accepted.length === 0) return;
    context.log.info({ refs: accepted.map((update) => update.ref) }, 'git proxy: the forge accepted a push');
    try {
      context.options.onPushed?.(accepted);
    } catch (error) {
      context.log.error({ err: error instanceof Error ? error.message : String(error) }, 'git proxy: onPushed failed');
    }
  });
}

/** A receive-pack report-status read as it streams by: only partial packets are held. */
class PushReport {
  readonly #outer = new PktLineDecoder();
  readonly #inner: PktLineDecoder | undefined;
  readonly #ok = new Set<string>();
  #unpacked = false;
  #broken = false;

  constructor(sideBand: boolean) {
    this.#inner = sideBand ? new PktLineDecoder() : undefined;
  }

  push(chunk: Buffer): void {
    if (this.#broken) return;
    try {
      for (const packet of this.#outer.push(chunk)) this.#outerPacket(packet);
    } catch (error) {
      if (!(error instanceof PktLineError)) throw error;
      this.#broken = true;
    }
  }

  /** The updates the forge reported `ok`; none unless it unpacked the pack. */
  accepted(updates: readonly RefUpdate[]): readonly RefUpdate[] {
    if (this.#broken || !this.#unpacked) return [];
    return updates.filter((update) => this.#ok.has(update.ref));
  }

  #outerPacket(packet: Packet): void {
    if (packet.kind !== 'data') return;
    if (!this.#inner) return this.#line(packet.payload);
    const band = packet.payload[0];
    if (band === 3) this.#broken = true;
    if (band !== 1) return; // 2 is progress
    for (const inner of this.#inner.push(packet.payload.subarray(1)))
      if (inner.kind === 'data') this.#line(inner.payload);
  }

  #line(payload: Buffer): void {
    const line = payload.toString('utf8').replace(/\n$/, '');
    if (line === 'unpack ok') this.#unpacked = true;
    else if (line.startsWith('unpack ')) this.#broken = true;
    else if (line.startsWith('ok ')) this.#ok.add(line.slice(3));
  }
}

// ---------------------------------------------------------------------------------------------
// Forwarding

interface Forwarding {
  /** Path and query after `upstream/`. */
  readonly path: string;
  /** Bytes already read from the request, sent before the rest of it. */
  readonly head?: Buffer;
  /** Sees a response the client is being given. */
  readonly watch?: (answer: IncomingMessage) => void;
}

function forward(context: Context, req: IncomingMessage, res: ServerResponse, forwarding: Forwarding): void {
  const upstream = context.send(`${context.base}/${forwarding.path}`, {
    method: req.method,
    headers: upstreamHeaders(req.headers, context.authorization),
    agent: context.options.agent,
    timeout: context.timeoutMs,
  });
  let timedOut = false;
  upstream.on('timeout', () => {
    timedOut = true;
    upstream.destroy(new Error('the forge did not answer in time'));
  });
  upstream.on('response', (answer) => relay(context, res, answer, forwarding.watch));
  upstream.on('error', (error) => upstreamFailed(context, res, error, timedOut));
  req.on('error', () => upstream.destroy());
  // The client went away: stop the forge's work for it too.
  res.on('close', () => {
    if (!res.writableFinished) upstream.destroy();
  });
  if (forwarding.head) upstream.write(forwarding.head);
  req.pipe(upstream);
}

function upstreamHeaders(headers: IncomingHttpHeaders, authorization: string): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = { authorization };
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = headers[name];
    if (typeof value === 'string') out[name] = value;
  }
  return out;
}

function relay(
  context: Context,
  res: ServerResponse,
  answer: IncomingMessage,
  watch: ((answer: IncomingMessage) => void) | undefined,
): void {
  const status = answer.statusCode ?? 502;
  // Passed on, a 401 would have the agent's git ask for credentials it does not have; the
  // credentials at fault are the service's.
  if (status === 401) {
    answer.resume();
    context.log.warn({ status }, "git proxy: the forge refused the agent's credentials");
    return answerText(res, 502, "the forge did not accept the agent's credentials");
  }
  res.writeHead(status, responseHeaders(answer.headers));
  answer.on('error', () => res.destroy());
  answer.pipe(res);
  watch?.(answer);
}

function responseHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const name of FORWARDED_RESPONSE_HEADERS) {
    const value = headers[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

function upstreamFailed(context: Context, res: ServerResponse, error: Error, timedOut: boolean): void {
  // The error's message may name the forge's address: fine for the log, not for the agent.
  context.log.warn(
    { err: error.message, code: (error as NodeJS.ErrnoException).code },
    timedOut ? 'git proxy: the forge timed out' : 'git proxy: the request to the forge failed',
  );
  if (res.headersSent) return void res.destroy();
  if (timedOut) answerText(res, 504, 'the forge did not answer in time');
  else answerText(res, 502, 'the forge could not be reached');
}

/**
 * Faults the scripted model plays in place of an agent turn, to test a run against a model API in
 * trouble (see `ScriptedModel.injectFault`):
 * - `overloaded`: `529` with the body the real API sends when it is overloaded;
 * - `stall`: a `200` stream that sends its first events (`message_start`, the first block's start,
 *   a `ping`, the first delta) and then nothing, holding the connection until the client hangs up or the
 *   model closes.
 *
 * A fault plays for the next `count` agent turns, or for every turn in the next `forMs`
 * milliseconds, or (neither given) until it is cleared. Only agent turns meet it: auxiliary
 * requests and `count_tokens` are answered as usual, and a faulted turn leaves the script alone.
 */
import type { ServerResponse } from 'node:http';
import { type AssistantReply, replyEvents } from './reply.js';

export type FaultKind = 'overloaded' | 'stall';

export interface Fault {
  readonly kind: FaultKind;
  /** The next this many agent turns. */
  readonly count?: number;
  /** Every agent turn for this long, from now. */
  readonly forMs?: number;
}

export interface FaultPlan {
  set(fault: Fault | undefined, now: number): void;
  /** The fault the agent turn arriving now meets, if any (counting it). */
  next(now: number): FaultKind | undefined;
}

export const OVERLOADED_BODY = { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } as const;

export function faultPlan(): FaultPlan {
  let kind: FaultKind | undefined;
  let left = Infinity;
  let until = Infinity;
  return {
    set(fault, now) {
      kind = fault?.kind;
      left = fault?.count ?? Infinity;
      until = fault?.forMs === undefined ? Infinity : now + fault.forMs;
    },
    next(now) {
      if (kind === undefined || left <= 0 || now >= until) return undefined;
      left -= 1;
      return kind;
    },
  };
}

export function sendOverloaded(res: ServerResponse): void {
  res.writeHead(529, { 'content-type': 'application/json' }).end(JSON.stringify(OVERLOADED_BODY));
}

/** The start of `reply`'s stream, then silence: the response is left open. */
export function sendStall(res: ServerResponse, reply: AssistantReply): void {
  const events = replyEvents(reply).split('\n\n');
  const firstDelta = events.findIndex((event) => event.startsWith('event: content_block_delta'));
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    'request-id': `req_${reply.id}`,
  });
  res.write(`${events.slice(0, firstDelta + 1).join('\n\n')}\n\n`);
}

/**
 * Renders a scripted turn as a Messages API reply: either the server-sent events of a streaming
 * response, in the order and shapes the real API uses, or the JSON body of a non-streaming one.
 * Text and tool input are streamed in small chunks, as the real API does, so the runtime's
 * accumulation of `text_delta` and `input_json_delta` is exercised.
 */
import type { ScriptBlock } from './script.js';

export type StopReason = 'end_turn' | 'tool_use';

export type ReplyBlock =
  | { readonly type: 'text'; readonly text: string }
  | {
      readonly type: 'tool_use';
      readonly id: string;
      readonly name: string;
      readonly input: Readonly<Record<string, unknown>>;
    };

export interface AssistantReply {
  readonly id: string;
  readonly model: string;
  readonly content: readonly ReplyBlock[];
  readonly stopReason: StopReason;
  readonly inputTokens: number;
}

const CHUNK = 32;

/** A deterministic stand-in for a tokenizer: about four characters a token, at least one. */
export function estimateTokens(value: unknown): number {
  return Math.max(1, Math.ceil(JSON.stringify(value ?? '').length / 4));
}

/** Gives every `tool_use` block an id (the scripted one, or `nextToolId()`). */
export function buildReply(
  blocks: readonly ScriptBlock[],
  ids: { readonly messageId: string; readonly nextToolId: () => string },
  request: { readonly model: string; readonly inputTokens: number },
): AssistantReply {
  const content = blocks.map(
    (block): ReplyBlock =>
      block.type === 'text'
        ? block
        : { type: 'tool_use', id: block.id ?? ids.nextToolId(), name: block.name, input: block.input },
  );
  return {
    id: ids.messageId,
    model: request.model,
    content,
    stopReason: content.some((block) => block.type === 'tool_use') ? 'tool_use' : 'end_turn',
    inputTokens: request.inputTokens,
  };
}

function usage(reply: AssistantReply, outputTokens: number) {
  return {
    input_tokens: reply.inputTokens,
    output_tokens: outputTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
  };
}

/** The body of a non-streaming reply. */
export function replyMessage(reply: AssistantReply): Record<string, unknown> {
  return {
    id: reply.id,
    type: 'message',
    role: 'assistant',
    model: reply.model,
    content: reply.content,
    stop_reason: reply.stopReason,
    stop_sequence: null,
    usage: usage(reply, estimateTokens(reply.content)),
  };
}

function chunks(value: string): string[] {
  const out: string[] = [];
  for (let at = 0; at < value.length; at += CHUNK) out.push(value.slice(at, at + CHUNK));
  return out;
}

function event(type: string, data: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

function blockEvents(block: ReplyBlock, index: number): string[] {
  if (block.type === 'text') {
    return [
      event('content_block_start', { index, content_block: { type: 'text', text: '' } }),
      ...chunks(block.text).map((text) => event('content_block_delta', { index, delta: { type: 'text_delta', text } })),
      event('content_block_stop', { index }),
    ];
  }
  const json = JSON.stringify(block.input);
  return [
    event('content_block_start', {
      index,
      content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} },
    }),
    // The real API opens every tool input with an empty fragment.
    ...['', ...chunks(json)].map((partial_json) =>
      event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json } }),
    ),
    event('content_block_stop', { index }),
  ];
}

/** The full `text/event-stream` body of a streaming reply. */
export function replyEvents(reply: AssistantReply): string {
  const start = event('message_start', {
    message: { ...replyMessage(reply), content: [], stop_reason: null, usage: usage(reply, 1) },
  });
  const blocks = reply.content.flatMap(blockEvents);
  return [
    start,
    ...blocks.slice(0, 1),
    event('ping', {}),
    ...blocks.slice(1),
    event('message_delta', {
      delta: { stop_reason: reply.stopReason, stop_sequence: null },
      usage: { output_tokens: estimateTokens(reply.content) },
    }),
    event('message_stop', {}),
  ].join('');
}

/**
 * Reading the conversation a recorded request carried, for assertions. The runtime wraps what a
 * test cares about in its own material: `system` messages inside `messages`, and
 * `<system-reminder>` text blocks before the prompt in a user message. These helpers leave
 * both out, so a test compares the prompts, tool calls and tool results it scripted.
 */
import type { ApiMessage, ContentBlock, MessagesRequest } from './schema.js';

export interface ToolUse {
  readonly id: string;
  readonly name: string;
  readonly input: unknown;
}

export interface ToolResult {
  readonly toolUseId: string;
  /** The result's text blocks joined (a string result as is). */
  readonly text: string;
  readonly isError: boolean;
}

const REMINDER = '<system-reminder>';

function blocks(message: ApiMessage): readonly ContentBlock[] {
  return typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : message.content;
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((block: { type?: unknown; text?: unknown }) => (block.type === 'text' ? String(block.text) : ''))
    .join('');
}

/** The user and assistant messages, in order, without the runtime's `system` messages. */
export function dialogue(body: MessagesRequest): readonly ApiMessage[] {
  return body.messages.filter((message) => message.role !== 'system');
}

/** The text blocks of a message, without the runtime's `<system-reminder>` blocks. */
export function textsOf(message: ApiMessage): readonly string[] {
  return blocks(message)
    .filter((block) => block.type === 'text' && typeof block.text === 'string')
    .map((block) => String(block.text))
    .filter((value) => !value.trimStart().startsWith(REMINDER));
}

export function lastUserMessage(body: MessagesRequest): ApiMessage | undefined {
  return dialogue(body).findLast((message) => message.role === 'user');
}

export function toolUsesIn(body: MessagesRequest): readonly ToolUse[] {
  return dialogue(body)
    .filter((message) => message.role === 'assistant')
    .flatMap(blocks)
    .filter((block) => block.type === 'tool_use')
    .map((block) => ({ id: String(block.id), name: String(block.name), input: block.input }));
}

export function toolResultsIn(body: MessagesRequest): readonly ToolResult[] {
  return dialogue(body)
    .filter((message) => message.role === 'user')
    .flatMap(blocks)
    .filter((block) => block.type === 'tool_result')
    .map((block) => ({
      toolUseId: String(block.tool_use_id),
      text: textOf(block.content),
      isError: block.is_error === true,
    }));
}

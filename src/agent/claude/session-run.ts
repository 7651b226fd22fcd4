/**
 * One `query()` of the Claude Agent SDK with streaming input: the first user message is the
 * prompt; more can be pushed while the run goes on (live follow-ups). The input is closed once a
 * `result` arrives with nothing more queued — else the stream never ends (SDK 0.3.332, see
 * docs/testing.md and test/flows/claude-runner.test.ts, "a comment while the run is still going").
 *
 * The session id is handed to `onInit` the moment `system/init` names it, and awaited, so it is
 * stored before the agent does anything.
 */
import {
  query,
  type Options,
  type Query,
  type SDKMessage,
  type SDKResultMessage,
  type SDKUserMessage,
  type WarmQuery,
} from '@anthropic-ai/claude-agent-sdk';
import type { ToolCall } from '../../sessions/ports.js';
import { isNoConversation } from './outcome.js';

export interface SessionRunOptions {
  readonly prompt: string;
  /** Everything but `prompt`; `abortController` stops the run. */
  readonly options: Options;
  /** A runtime already started with `options` (`startRuntime`); a plain `query()` when absent or failed. */
  readonly started?: Promise<WarmQuery | undefined>;
  readonly onInit: (sessionId: string) => Promise<void>;
  /** Told of the live input once the run has started, and of its end (undefined). */
  readonly onInput: (input: LiveInput | undefined) => void;
  /** Summarises a tool call's input for the run record (redacted by the caller). */
  readonly summarise: (name: string, input: Record<string, unknown>) => string;
  /** Told of each tool call as the model makes it (the status comment's "what it is doing"). */
  readonly onToolCall?: (call: ToolCall) => void;
}

export interface SessionRunResult {
  readonly sessionId: string | undefined;
  readonly result: SDKResultMessage | undefined;
  readonly thrown: Error | undefined;
  /** The resumed session's transcript was not found: start a new one. */
  readonly noConversation: boolean;
  readonly toolCalls: readonly ToolCall[];
}

/** A user message for the running session; false once the run no longer takes input. */
export interface LiveInput {
  push(text: string): boolean;
}

export async function runSession(run: SessionRunOptions): Promise<SessionRunResult> {
  const input = createInput();
  input.push(run.prompt);
  let sessionId: string | undefined;
  let result: SDKResultMessage | undefined;
  let thrown: Error | undefined;
  const toolCalls: ToolCall[] = [];
  run.onInput(input);
  try {
    for await (const message of await open(run, input)) {
      if (message.type === 'system' && message.subtype === 'init' && sessionId === undefined) {
        sessionId = message.session_id;
        await run.onInit(sessionId);
      }
      if (message.type === 'assistant') {
        for (const call of toolCallsOf(message, run.summarise)) {
          toolCalls.push(call);
          run.onToolCall?.(call);
        }
      }
      if (message.type === 'result') {
        result = message;
        if (input.pending() === 0 && (message.queued_turn_count ?? 0) === 0) input.close();
      }
    }
  } catch (error) {
    thrown = error instanceof Error ? error : new Error(String(error));
  } finally {
    input.close();
    run.onInput(undefined);
  }
  const errors = result?.subtype === 'success' ? [] : (result?.errors ?? []);
  const noConversation =
    sessionId === undefined && (errors.some(isNoConversation) || isNoConversation(thrown?.message));
  return { sessionId, result, thrown, noConversation, toolCalls };
}

async function open(run: SessionRunOptions, input: Input): Promise<Query> {
  const warm = await run.started;
  return warm ? warm.query(input.messages()) : query({ prompt: input.messages(), options: run.options });
}

function toolCallsOf(
  message: Extract<SDKMessage, { type: 'assistant' }>,
  summarise: SessionRunOptions['summarise'],
): ToolCall[] {
  const content = message.message.content;
  if (!Array.isArray(content)) return [];
  return content.flatMap((block) =>
    block.type === 'tool_use'
      ? [{ name: block.name, summary: summarise(block.name, block.input as Record<string, unknown>) }]
      : [],
  );
}

interface Input extends LiveInput {
  messages(): AsyncIterable<SDKUserMessage>;
  pending(): number;
  close(): void;
}

function createInput(): Input {
  const queue: string[] = [];
  let closed = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  return {
    push(text) {
      if (closed) return false;
      queue.push(text);
      notify();
      return true;
    },
    pending: () => queue.length,
    close() {
      closed = true;
      notify();
    },
    async *messages() {
      for (;;) {
        const text = queue.shift();
        if (text !== undefined) {
          yield { type: 'user', message: { role: 'user', content: text }, parent_tool_use_id: null, session_id: '' };
          continue;
        }
        if (closed) return;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    },
  };
}

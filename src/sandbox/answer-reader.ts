/**
 * Reads a Messages API answer as it passes through the model proxy, without holding it up: the
 * usage it reports (streamed as server-sent events, or in a whole JSON body), and the error it
 * carries — in an error body, or as an `error` event inside a stream that began 200, which is how
 * the API says "overloaded" once it has started answering.
 */
import { addUsage, mergeUsage, NO_USAGE, usageFrom, type Usage } from './pricing.js';

export interface ApiError {
  /** The API's error type: `overloaded_error`, `rate_limit_error`, `api_error`, … */
  readonly type: string;
  readonly message: string;
}

export interface AnswerRead {
  /** Undefined when the answer reported none (an error body, an unreadable one). */
  readonly used: { readonly model: string; readonly usage: Usage } | undefined;
  readonly error: ApiError | undefined;
}

export interface AnswerReader {
  push(chunk: Buffer): void;
  end(): AnswerRead;
}

export function answerReader(contentType: string | undefined): AnswerReader {
  return contentType?.includes('text/event-stream') ? sseReader() : jsonReader();
}

function sseReader(): AnswerReader {
  let pending = '';
  let model = '';
  let current = NO_USAGE;
  let total = NO_USAGE;
  let open = false;
  let error: ApiError | undefined;
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
    } else if (data.type === 'error') {
      error = apiErrorOf(data);
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
    end: () => ({ used: { model, usage: open ? addUsage(total, current) : total }, error }),
  };
}

const MAX_JSON_BYTES = 16 * 1024 * 1024;

function jsonReader(): AnswerReader {
  const chunks: Buffer[] = [];
  let size = 0;
  return {
    push(chunk) {
      size += chunk.length;
      if (size <= MAX_JSON_BYTES) chunks.push(chunk);
    },
    end() {
      const body = parseJson(Buffer.concat(chunks).toString('utf8'));
      if (!body) return { used: undefined, error: undefined };
      if (body.type === 'error') return { used: undefined, error: apiErrorOf(body) };
      return {
        used: { model: typeof body.model === 'string' ? body.model : '', usage: usageFrom(body.usage) },
        error: undefined,
      };
    },
  };
}

function apiErrorOf(body: Record<string, unknown>): ApiError {
  const error = (typeof body.error === 'object' && body.error !== null ? body.error : {}) as Record<string, unknown>;
  return {
    type: typeof error.type === 'string' ? error.type : 'unknown_error',
    message: typeof error.message === 'string' ? error.message : '',
  };
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

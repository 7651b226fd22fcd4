/**
 * Tells the agent's own turns from the auxiliary requests the Claude Code runtime makes on the
 * side, so those are answered without consuming the script. What was seen with the runtime of
 * SDK 0.3.332 (see docs/testing.md, "The scripted model"):
 * - with `CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1`, only the agent's turns, all streaming
 *   and all carrying the tool list;
 * - without it, also a `HEAD /api/hello` reachability check and, on a session's first prompt, a
 *   session-title request: streaming, `tools: []`, structured output
 *   (`output_config.format.type: 'json_schema'`, `{ title: string }`).
 * The runtime also knows `max_tokens: 1` probes and requests marked with the
 * `x-claude-code-auxiliary-type` header; neither was seen, both are treated as auxiliary.
 */
import type { MessagesRequest } from './schema.js';
import { isRecord } from '../../../src/lib/is-record.js';

export type AuxiliaryReason = 'max_tokens probe' | 'auxiliary header' | 'no tools';

export type Classification =
  | { readonly kind: 'turn' }
  | { readonly kind: 'auxiliary'; readonly reason: AuxiliaryReason };

export function classifyMessagesRequest(
  body: MessagesRequest,
  headers: Readonly<Record<string, string>>,
): Classification {
  if (body.max_tokens !== undefined && body.max_tokens <= 1) return { kind: 'auxiliary', reason: 'max_tokens probe' };
  if (headers['x-claude-code-auxiliary-type'] !== undefined) return { kind: 'auxiliary', reason: 'auxiliary header' };
  if (!body.tools || body.tools.length === 0) return { kind: 'auxiliary', reason: 'no tools' };
  return { kind: 'turn' };
}

/**
 * The text of the reply to an auxiliary request: when it asks for structured output, the
 * smallest JSON value its schema accepts (so a title request gets `{"title":"Scripted"}`).
 */
export function auxiliaryText(body: MessagesRequest): string {
  const format = body.output_config?.format;
  if (format?.type === 'json_schema') return JSON.stringify(sampleOf(format.schema));
  return 'Scripted auxiliary reply.';
}

function sampleOf(schema: unknown): unknown {
  if (!isRecord(schema)) return null;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if ('const' in schema) return schema.const;
  switch (schema.type) {
    case 'object': {
      const properties = isRecord(schema.properties) ? schema.properties : {};
      const required = Array.isArray(schema.required) ? schema.required.filter((key) => typeof key === 'string') : [];
      return Object.fromEntries(required.map((key) => [key, sampleOf(properties[key])]));
    }
    case 'array':
      return [];
    case 'string':
      return 'Scripted';
    case 'number':
    case 'integer':
      return 0;
    case 'boolean':
      return false;
    default:
      return null;
  }
}

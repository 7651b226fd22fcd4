/**
 * What a forge tool hands back to the agent: text it can read. A forge refusal or an unreachable
 * forge is an error *result* (`isError: true`) naming what failed and why, so the agent can change
 * course (pick another base, fix a label name) — a throw would end the tool call with a runtime
 * message the agent cannot act on.
 */
import type { SdkMcpToolDefinition } from '@anthropic-ai/claude-agent-sdk';
import { ForgeApiError } from '../../forge/client.js';

/** MCP's `CallToolResult`, named through the SDK (the MCP package is not a direct dependency). */
export type ToolResult = Awaited<ReturnType<SdkMcpToolDefinition['handler']>>;

export function success(text: string): ToolResult {
  return { content: [{ type: 'text', text }] };
}

export function failure(text: string): ToolResult {
  return { isError: true, content: [{ type: 'text', text }] };
}

const MEANING: Readonly<Record<number, string>> = {
  401: "the forge did not accept the agent's token",
  403: "the agent's forge user is not allowed to do this",
  404: 'the forge found no such repository, issue, pull request, branch, user or label',
  409: 'it conflicts with what is already there',
  422: 'the forge rejected the input as invalid',
  423: 'the issue or pull request is locked',
};

/** `<action> failed: <why>` for any error a forge call can end in. */
export function forgeFailure(action: string, error: unknown): ToolResult {
  if (!(error instanceof ForgeApiError))
    return failure(`${action} failed: ${error instanceof Error ? error.message : String(error)}`);
  if (error.status === 0)
    return failure(`${action} failed: the forge did not answer (${error.body}). Try again later or report it.`);
  const meaning = MEANING[error.status] ?? 'the forge answered with an error';
  const said = forgeMessage(error.body);
  return failure(
    `${action} failed (HTTP ${error.status}): ${meaning}.${said === '' ? '' : ` The forge said: ${said}`}`,
  );
}

/** Gitea's `APIError` carries `message` (and sometimes `errors`); anything else is quoted as is, briefly. */
export function forgeMessage(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null) {
      const { message, errors } = parsed as { message?: unknown; errors?: unknown };
      const extra = Array.isArray(errors) && errors.length > 0 ? ` (${errors.map(String).join('; ')})` : '';
      if (typeof message === 'string') return `${message}${extra}`;
    }
  } catch {
    // not JSON: quoted below
  }
  return body.trim().slice(0, 300);
}

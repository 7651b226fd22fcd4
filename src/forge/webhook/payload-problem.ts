/**
 * Why a payload was refused, phrased for the person reading the log: the dotted path of the
 * offending field and what was expected there ("pull_request.head.sha: expected a string, got
 * undefined"). Only the first problem is reported; one is enough to tell a wrong payload from a
 * right one, and the rest usually follow from it.
 */
import type { z } from 'zod';
import { escapeText } from '../../lib/escape-text.js';
import { err, ok, type Result } from '../../lib/result.js';

export interface PayloadProblem {
  /** Dotted path into the body (`pull_request.head.sha`, `issue.labels[0].name`); `(body)` for the whole. */
  readonly field: string;
  readonly message: string;
}

export const BODY_FIELD = '(body)';

export function parsePayload<S extends z.ZodType>(schema: S, body: unknown): Result<z.output<S>, PayloadProblem> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return ok(parsed.data);
  const issue = parsed.error.issues[0];
  if (issue === undefined) return err({ field: BODY_FIELD, message: 'does not fit the expected shape' });
  return err({ field: fieldOf(issue.path), message: messageOf(issue, valueAt(body, issue.path)) });
}

export function fieldOf(path: readonly PropertyKey[]): string {
  if (path.length === 0) return BODY_FIELD;
  return path
    .map((key, index) => (typeof key === 'number' ? `[${key}]` : `${index === 0 ? '' : '.'}${String(key)}`))
    .join('');
}

/** "a string ("merged")", "null", "an array": what a person would call the value. */
export function describeValue(value: unknown): string {
  if (value === undefined || value === null) return String(value);
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      // Escaped, not JSON-quoted: JSON leaves bidi controls as they are, invisible to whoever reads the message.
      return `a string ("${escapeText(value.length > 40 ? `${value.slice(0, 40)}…` : value)}")`;
    case 'number':
    case 'boolean':
      return `a ${typeof value} (${String(value)})`;
    case 'object':
      return 'an object';
    default:
      return `a ${typeof value}`;
  }
}

const ARTICLE: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  boolean: 'a boolean',
  object: 'an object',
  array: 'an array',
};

function messageOf(issue: z.core.$ZodIssue, value: unknown): string {
  const got = `got ${describeValue(value)}`;
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${ARTICLE[issue.expected] ?? issue.expected}, ${got}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, ${got}`;
    default:
      return `${issue.message}, ${got}`;
  }
}

function valueAt(body: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = body;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

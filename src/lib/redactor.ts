/**
 * The one redactor for every string that leaves the service — log lines, run records, job errors,
 * status comments. It holds the secret values the service knows (made once in the composition
 * root from the configuration) and the ones it learns while running (a run's own token), and
 * replaces each wherever it appears, whatever field or sentence carries it: a model gateway error
 * that quotes the API key is redacted as surely as a `token` field.
 *
 * Path redaction in the logger and `Secret` objects still hide values by name; this catches the
 * values themselves.
 */
import type { Secret } from './secret.js';

export const REDACTED = '[redacted]';

/** Shorter values would redact ordinary words, and no real token is that short. */
export const MIN_SECRET_LENGTH = 8;

/** A secret as the service holds it; `undefined` is accepted so optional settings can be passed as they are. */
export type SecretValue = string | Secret | undefined;

export interface Redactor {
  /** `text` with every known secret replaced by `[redacted]`, the longest first. */
  redact(text: string): string;
  /**
   * Starts redacting `value` (a per-run token, a generated secret); the returned function stops
   * again. Adding a value twice needs both removers before it is forgotten.
   */
  add(value: SecretValue): () => void;
}

export function createRedactor(initial: Iterable<SecretValue> = []): Redactor {
  /** Each form a secret may be written in, with how many `add`s hold it. */
  const held = new Map<string, number>();
  /** `held`'s keys, longest first; rebuilt only after a change, as `redact` runs for every log line. */
  let ordered: readonly string[] = [];

  const reorder = () => {
    ordered = [...held.keys()].sort((a, b) => b.length - a.length);
  };

  const add = (value: SecretValue): (() => void) => {
    const forms = formsOf(value);
    for (const form of forms) held.set(form, (held.get(form) ?? 0) + 1);
    if (forms.length > 0) reorder();
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      for (const form of forms) release(held, form);
      if (forms.length > 0) reorder();
    };
  };

  for (const value of initial) add(value);

  return {
    add,
    redact(text) {
      let out = text;
      // `includes` first: almost no text holds a secret, and a miss costs one scan, no allocation.
      for (const secret of ordered) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
      return out;
    },
  };
}

function release(held: Map<string, number>, form: string): void {
  const count = (held.get(form) ?? 0) - 1;
  if (count > 0) held.set(form, count);
  else held.delete(form);
}

/**
 * The ways a secret shows up in text that leaves the service: as it is, escaped inside a JSON
 * string (a log line is JSON, so a `"` or `\` in a password is written escaped) and
 * percent-encoded (inside a URL).
 */
function formsOf(value: SecretValue): string[] {
  const plain = typeof value === 'string' ? value : value?.reveal();
  if (plain === undefined || plain.length < MIN_SECRET_LENGTH) return [];
  return [...new Set([plain, JSON.stringify(plain).slice(1, -1), encodeURIComponent(plain)])];
}

/**
 * The password of a URL that carries one (a database URL, a gateway with basic auth), as written
 * in the URL and decoded; empty when the URL has none or is no URL.
 */
export function urlPasswords(url: SecretValue): string[] {
  const text = typeof url === 'string' ? url : url?.reveal();
  if (text === undefined || !URL.canParse(text)) return [];
  const { password } = new URL(text);
  if (password === '') return [];
  return [...new Set([password, safeDecode(password)])];
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

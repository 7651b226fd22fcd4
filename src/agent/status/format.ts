/** Small formatters for the status comment: durations, money, and untrusted text made inert. */
import { scrubPublicText } from '../../lib/public-text.js';

/** `45s`, `2m 5s`, `1h 3m`. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${seconds % 60}s`;
  return `${Math.floor(minutes / 60)}h ${minutes % 60}m`;
}

const MAX_INLINE = 300;

/**
 * Text from a run (what the agent is doing, an error) on one line, with nothing that acts:
 * no `@` (a status comment must never mention, and so trigger, anyone), no HTML (no marker or
 * comment can be smuggled in), no newlines, at most 300 characters.
 */
export function inert(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  const short = line.length > MAX_INLINE ? `${line.slice(0, MAX_INLINE - 1)}…` : line;
  return short.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/@/g, '&#64;');
}

/**
 * Forge text (a file path, a login) in a line of Markdown: inert, and with Markdown's punctuation
 * escaped, so a path like `[x](y)` or `*a*` is shown as written, never as a link or emphasis.
 * Escaped before `inert`, whose entities (`&#64;`) must keep their `#`.
 */
export function inertMarkdown(text: string): string {
  return inert(text.replace(/[\\`*_[\]()|~#!]/g, '\\$&'));
}

/**
 * Text from a run as the public may read it: secrets replaced (`redact`, the service's redactor),
 * internal addresses and paths replaced (the comment is read by anyone who sees the issue), then
 * made inert. In this order, so that neither the 300-character cut nor the escaping can split a
 * secret or an address and let part of it through.
 */
export function publicText(text: string, redact: (text: string) => string = (same) => same): string {
  return inert(scrubPublicText(redact(text)));
}

/**
 * Untrusted text (a story's title) made inert for one item of a Markdown list the service writes:
 * one line, at most `max` characters, no control or direction-changing characters, and every
 * character that could make markup written as an HTML character reference — so a title cannot
 * open a link or an image (`[`, `!`), emphasis or code (`*`, `_`, `~`, `` ` ``), HTML or a
 * comment and so forge the tracking block's marker (`<`, `>`), a table cell (`|`), an escape
 * (`\`, `&`), a mention that would ping someone (`@`) or a reference to another issue (`#`).
 * The forge shows the references as the characters they spell.
 */
import { UNSAFE_CHARACTER } from '../lib/escape-text.js';

const UNSAFE = new RegExp(UNSAFE_CHARACTER.source, 'g');
const MARKUP = /[&<>"'`*_~[\]()!#@|\\$^{}]/g;

export const MAX_TITLE = 120;

export function inlineText(text: string, max = MAX_TITLE): string {
  const line = text.replace(/\s+/g, ' ').replace(UNSAFE, '').trim();
  // A string of at most `max` UTF-16 units has at most `max` characters: only a longer one is split.
  const chars = line.length > max ? Array.from(line) : [];
  const short = chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : line;
  return short.replace(MARKUP, (c) => `&#${c.charCodeAt(0)};`);
}

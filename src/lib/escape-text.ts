/**
 * Untrusted text (payload names, comments, branch names) made safe to print on a terminal or in a
 * log line: C0/C1 control characters and the Unicode bidi controls (which reorder what follows
 * them, so `abc\u202Edcba` reads differently from what it is) are shown as escapes (`\n`,
 * `\u202e`), and a backslash as `\\` so an escape cannot be forged. Everything else is kept.
 */

/** C0, DEL, C1, and the bidi embedding/override/isolate marks (U+061C, U+200E/F, U+202A–E, U+2066–9). */
export const UNSAFE_CHARACTER = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

const UNSAFE_OR_BACKSLASH = new RegExp(`${UNSAFE_CHARACTER.source}|\\\\`, 'g');

const SHORT: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\\': '\\\\' };

export function escapeText(text: string): string {
  return text.replace(UNSAFE_OR_BACKSLASH, (c) => SHORT[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Whether `text` holds a character `escapeText` would escape (other than a backslash). */
export function hasUnsafeCharacter(text: string): boolean {
  return UNSAFE_CHARACTER.test(text);
}

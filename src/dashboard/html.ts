/**
 * HTML by construction: `html\`<td>${value}</td>\`` escapes every interpolated value, so a
 * branch named `<img src=x onerror=…>` is text. The one way to put markup in is another
 * `html` fragment (or `raw`, for a constant the code owns — never for data). Arrays are joined,
 * `undefined`, `null` and `false` render as nothing.
 */

const SAFE = Symbol('safe-html');

export interface SafeHtml {
  readonly [SAFE]: true;
  readonly text: string;
  toString(): string;
}

function safe(text: string): SafeHtml {
  return { [SAFE]: true, text, toString: () => text };
}

export function isSafeHtml(value: unknown): value is SafeHtml {
  return typeof value === 'object' && value !== null && (value as Partial<SafeHtml>)[SAFE] === true;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

export type Interpolation = SafeHtml | string | number | boolean | null | undefined | readonly Interpolation[];

function render(value: Interpolation): string {
  if (value === undefined || value === null || value === false) return '';
  if (Array.isArray(value)) return value.map((v: Interpolation) => render(v)).join('');
  if (isSafeHtml(value)) return value.text;
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: readonly Interpolation[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += render(values[i]) + (strings[i + 1] ?? '');
  return safe(out);
}

/** The explicit opt-out, for markup the code itself owns (a constant, a number formatted by us). */
export function raw(text: string): SafeHtml {
  return safe(text);
}

/**
 * A lenient reader of HTML tags in forge text, as a browser's tokenizer reads them — not as a
 * strict grammar would: `hidden-html.ts` must find every tag the forge page hides text with, and a
 * tag a strict reader skipped (an odd quote, a missing space) would be one the model reads while
 * the page does not show it.
 */

export interface Attribute {
  /** Lower-cased. */
  readonly name: string;
  /** Undefined for a bare attribute (`hidden`). */
  readonly value: string | undefined;
  /** Where the attribute (name, `=` and value) starts and ends in the text. */
  readonly start: number;
  readonly end: number;
}

export interface Tag {
  readonly start: number;
  /** Just past the closing `>`; the text's length when the tag is never closed. */
  readonly end: number;
  /** Lower-cased. */
  readonly name: string;
  readonly closing: boolean;
  readonly attributes: readonly Attribute[];
  /** False when the text ends inside the tag: a browser then drops the tag and all after it. */
  readonly terminated: boolean;
}

const SPACE = /[\t\n\f\r ]/;

/** The tag starting at `start` (a `<` followed by a letter, or `</` and a letter), else undefined. */
export function readTag(text: string, start: number): Tag | undefined {
  const closing = text[start + 1] === '/';
  let at = start + (closing ? 2 : 1);
  if (!/[A-Za-z]/.test(text[at] ?? '')) return undefined;
  const nameStart = at;
  while (at < text.length && !/[\t\n\f\r />]/.test(text[at] ?? '')) at++;
  const name = text.slice(nameStart, at).toLowerCase();
  const attributes: Attribute[] = [];
  for (;;) {
    while (at < text.length && /[\t\n\f\r /]/.test(text[at] ?? '')) at++;
    if (at >= text.length) return { start, end: text.length, name, closing, attributes, terminated: false };
    if (text[at] === '>') return { start, end: at + 1, name, closing, attributes, terminated: true };
    const attribute = readAttribute(text, at);
    attributes.push(attribute);
    at = attribute.end;
  }
}

/** One attribute at `start` (not a space, `/` or `>`), its value quoted or not. */
function readAttribute(text: string, start: number): Attribute {
  let at = start + 1; // the first character belongs to the name, even a `=`
  while (at < text.length && !/[\t\n\f\r />=]/.test(text[at] ?? '')) at++;
  const name = text.slice(start, at).toLowerCase();
  let look = at;
  while (look < text.length && SPACE.test(text[look] ?? '')) look++;
  if (text[look] !== '=') return { name, value: undefined, start, end: at };
  look++;
  while (look < text.length && SPACE.test(text[look] ?? '')) look++;
  const quote = text[look];
  if (quote === '"' || quote === "'") {
    const close = text.indexOf(quote, look + 1);
    const end = close === -1 ? text.length : close + 1;
    return { name, value: text.slice(look + 1, close === -1 ? text.length : close), start, end };
  }
  let end = look;
  while (end < text.length && !/[\t\n\f\r >]/.test(text[end] ?? '')) end++;
  return { name, value: text.slice(look, end), start, end };
}

/** Every tag in `text`, in order (text between tags is skipped). */
export function* tagsOf(text: string, from = 0): Generator<Tag> {
  let at = text.indexOf('<', from);
  while (at !== -1) {
    const tag = readTag(text, at);
    if (tag !== undefined) {
      yield tag;
      at = text.indexOf('<', tag.end);
    } else {
      at = text.indexOf('<', at + 1);
    }
  }
}

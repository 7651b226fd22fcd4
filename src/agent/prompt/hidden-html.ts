/**
 * HTML in forge text that the forge page does not show but the model would read: comments and
 * the other markup a browser hides (`<!…>`, `<?…?>`, CDATA), elements that are hidden (`hidden`,
 * a hiding `style`, `<script>`, `<template>`, …) with everything in them, attributes whose text is
 * never on the page (`alt`, `title`, `aria-label`, `data-*`, …), and any attribute of an end tag.
 *
 * Where the markdown renderer and a browser would disagree about where a hidden part ends, the
 * larger part is removed: dropping a little visible text is harmless, leaving hidden text in is
 * not. The text is not parsed as markdown, so a code block loses these too (an HTML sample in a
 * review comment keeps its tags but not its comments or `alt` texts) — guessing where the forge's
 * renderer thinks a code block ends is exactly where hidden text would slip through.
 */
import { decodeEntities } from './entities.js';
import { tagsOf, type Tag } from './html-tags.js';

/** A comment, or one left open: the forge hides everything after an unterminated `<!--`. */
const HTML_COMMENT = /<!--[\s\S]*?(?:-->|$)/g;
/** `<!DOCTYPE …>`, `<!x …>`, a bogus comment `<!…>`: never shown (a browser hides them to `>`, or to the end). */
const DECLARATION = /<![^>]*(?:>|$)/g;
/** `</` and no letter (`</ x>`, `</3>`): a browser's bogus comment, hidden to `>`. */
const BOGUS_END_TAG = /<\/(?![A-Za-z])[^>]*(?:>|$)/g;

export function stripHiddenHtml(text: string): string {
  return stripHiddenAttributes(stripHiddenElements(stripInvisibleMarkup(text)));
}

/** Comments, CDATA sections, processing instructions and declarations. */
export function stripInvisibleMarkup(text: string): string {
  const withoutComments = text.replace(HTML_COMMENT, '');
  const withoutCdata = removeDelimited(withoutComments, '<![CDATA[', ']]>');
  const withoutInstructions = removeDelimited(withoutCdata, '<?', '?>');
  return withoutInstructions.replace(DECLARATION, '').replace(BOGUS_END_TAG, '');
}

/**
 * Removes `open … close` spans. Markdown ends them at `close`, a browser at the first `>`; the
 * larger span goes. One left open goes to the first `>`, or to the end when there is none. Split
 * at the last `close` so that no search runs to the end of the text more than once.
 */
function removeDelimited(text: string, open: string, close: string): string {
  const last = text.lastIndexOf(close);
  const head = last === -1 ? '' : text.slice(0, last + close.length);
  const tail = last === -1 ? text : text.slice(last + close.length);
  const closed = new RegExp(`${escapeRegExp(open)}[\\s\\S]*?${escapeRegExp(close)}`, 'g');
  const unclosed = new RegExp(`${escapeRegExp(open)}[^>]*(?:>|$)`, 'g');
  return head.replace(closed, '').replace(unclosed, '') + tail.replace(unclosed, '');
}

const escapeRegExp = (literal: string): string => literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Elements whose content is never on the page. */
const HIDDEN_ELEMENTS = new Set([
  'script',
  'style',
  'template',
  'noscript',
  'noembed',
  'noframes',
  'iframe',
  'title',
  'desc',
  'metadata',
]);
/** Utility classes that hide an element (Gitea's own `tw-hidden`/`gt-hidden`, and the common ones). */
const HIDING_CLASS = /^(hidden|tw-hidden|gt-hidden|d-none|sr-only|visually-hidden|invisible|tw-invisible)$/;
/** Elements without content: hiding one hides only itself. */
const VOID_ELEMENTS = new Set([
  'area',
  'base',
  'br',
  'col',
  'embed',
  'hr',
  'img',
  'input',
  'link',
  'meta',
  'param',
  'source',
  'track',
  'wbr',
]);

/** Hidden elements, from their start tag to their matching end tag (to the end of the text when it has none). */
export function stripHiddenElements(text: string): string {
  let out = '';
  let at = 0;
  for (let tag = nextHiding(text, at); tag !== undefined; tag = nextHiding(text, at)) {
    out += text.slice(at, tag.start);
    at = !tag.terminated ? text.length : VOID_ELEMENTS.has(tag.name) ? tag.end : matchingEnd(text, tag);
  }
  return out + text.slice(at);
}

function nextHiding(text: string, from: number): Tag | undefined {
  for (const tag of tagsOf(text, from)) {
    if (!tag.closing && hides(tag)) return tag;
  }
  return undefined;
}

/** Just past the end tag that closes `open` (same name, nesting counted), or the text's length. */
function matchingEnd(text: string, open: Tag): number {
  let depth = 1;
  for (const tag of tagsOf(text, open.end)) {
    if (tag.name !== open.name) continue;
    depth += tag.closing ? -1 : 1;
    if (depth === 0) return tag.end;
  }
  return text.length;
}

function hides(tag: Tag): boolean {
  if (HIDDEN_ELEMENTS.has(tag.name)) return true;
  return tag.attributes.some(
    (attribute) =>
      attribute.name === 'hidden' ||
      (attribute.name === 'style' && hidingStyle(attribute.value ?? '')) ||
      (attribute.name === 'class' &&
        decodeEntities(attribute.value ?? '')
          .split(/\s+/)
          .some((name) => HIDING_CLASS.test(name.toLowerCase()))),
  );
}

/** CSS that hides an element, read as a browser reads it: entities decoded, comments and escapes undone, case and spaces ignored. */
const HIDING_CSS = [
  /display:none/,
  /visibility:(hidden|collapse)/,
  /content-visibility:hidden/,
  /opacity:(0*\.0\d*|0+)(%|;|!|$)/, // 0 to 0.09…, or 0%
  /opacity:\d%/,
  /font-size:((0*\.)?0+[a-z%]*|[0-2](\.\d+)?(px|pt)|0*\.\d+(px|pt))(;|!|$)/, // 0 in any unit, or under 3px
  /(^|;)(max-)?(height|width):(0*\.)?0+[a-z%]*(;|!|$)/,
  /color:transparent/,
  /transform:scale[xy]?\(0*\.?0*\)/,
  /clip(-path)?:/,
  /text-indent:-/,
  /(^|;)(left|top|right|bottom|margin(-left|-top)?):-\d{3,}/, // pushed off the page
];

function hidingStyle(value: string): boolean {
  const css = decodeEntities(value)
    .replace(/\/\*[\s\S]*?(?:\*\/|$)/g, '')
    .replace(/\\([0-9a-fA-F]{1,6})\s?/g, (_, hex: string) => codePoint(Number.parseInt(hex, 16)))
    .replace(/\\(.)/g, '$1')
    .toLowerCase()
    .replace(/\s+/g, '');
  return HIDING_CSS.some((pattern) => pattern.test(css));
}

const codePoint = (value: number): string =>
  value > 0 && value <= 0x10ffff && (value < 0xd800 || value > 0xdfff) ? String.fromCodePoint(value) : '\uFFFD';

/** Attributes whose text a reader never sees on the page (a tooltip, a screen reader's label, data). */
function hiddenAttribute(name: string): boolean {
  return /^(alt|title|aria-.*|placeholder|label|value|content|summary|abbr|srcdoc|data-.*)$/.test(name);
}

/**
 * Removes the hidden attributes of start tags, and every attribute of end tags (a browser ignores
 * them). A tag never closed goes with all after it: a browser drops a tag the text ends in.
 */
export function stripHiddenAttributes(text: string): string {
  let out = '';
  let at = 0;
  for (const tag of tagsOf(text)) {
    if (!tag.terminated) return out + text.slice(at, tag.start);
    const drop = tag.attributes.filter((attribute) => tag.closing || hiddenAttribute(attribute.name));
    if (drop.length === 0) continue;
    out += text.slice(at, tag.start);
    let inside = tag.start;
    for (const attribute of drop) {
      out += text.slice(inside, attribute.start).replace(/[\t\n\f\r ]+$/, '');
      inside = attribute.end;
    }
    out += text.slice(inside, tag.end);
    at = tag.end;
  }
  return out + text.slice(at);
}

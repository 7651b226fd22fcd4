/**
 * Markdown in forge text that the rendered page does not show but the model would read:
 * link reference definitions (whole lines the page never shows — the usual "markdown comment"
 * `[//]: # (…)` or `[comment]: <> (…)` is one), image alt text (`![alt](url)` keeps `![](url)`),
 * link and image titles (`[x](url "title")` keeps `[x](url)`: a tooltip, not the page), and the
 * comments of what the forge draws instead of showing the text: `%%` lines of a mermaid diagram,
 * `%` comments in display math (`$$…$$`, a `math` code block).
 * Like `hidden-html.ts`, it does not guess where code blocks are: over-removal is the safe error.
 */

/**
 * A link reference definition (CommonMark): up to three spaces, `[label]:`, a destination, and an
 * optional title in `"…"`, `'…'` or `(…)`, possibly on the next line and over several lines.
 * Inside a quote or a list item (`> [//]: # (…)`) it is as hidden. Footnotes (`[^1]: …`) are
 * shown on the page and are not definitions.
 */
const DEFINITION =
  /^(?:[ \t]*(?:>|(?:[-+*]|\d{1,9}[.)])(?=[ \t])))*[ \t]*\[(?!\^)(?:[^[\]\\]|\\[\s\S]){1,999}\]:[ \t]*\n?[ \t]*(?:<[^<>\n]*>|[^\s<]\S*)(?:(?:[ \t]+|[ \t]*\n[ \t]*)(?:"(?:[^"\\]|\\[\s\S])*"|'(?:[^'\\]|\\[\s\S])*'|\((?:[^()\\]|\\[\s\S])*\)))?[ \t]*(?:\n|$)/gm;

/** `](destination "title")` of an inline link or image; the destination is kept. */
const INLINE_TITLE =
  /\]\([ \t]*\n?[ \t]*(<[^<>\n]*>|[^\s()<]*(?:\([^\s()]*\)[^\s()]*)*)(?:[ \t]+|[ \t]*\n[ \t]*)(?:"(?:[^"\\]|\\[\s\S])*"|'(?:[^'\\]|\\[\s\S])*'|\((?:[^()\\]|\\[\s\S])*\))[ \t\n]*\)/g;

/** A mermaid comment or directive line (`%% …`, `%%{init: …}%%`): the diagram never shows it. */
const MERMAID_COMMENT = /^[ \t>]*%%.*(?:\n|$)/gm;
/** Display math, to its end (or the text's): `$$…$$`, or a code block whose info string is `math`. */
const DISPLAY_MATH =
  /\$\$[\s\S]*?(?:\$\$|(?![\s\S]))|^[ \t>]*(`{3,}|~{3,})[ \t]*math\b[\s\S]*?(?:\n[ \t>]*\1|(?![\s\S]))/gm;
/** A TeX comment: `%` (not `\%`) to the end of the line. */
const TEX_COMMENT = /(^|[^\\])%[^\n]*/g;

export function stripHiddenMarkdown(text: string): string {
  const withoutDefinitions = text.replace(DEFINITION, '').replace(MERMAID_COMMENT, '');
  const withoutMathComments = withoutDefinitions.replace(DISPLAY_MATH, stripTexComments);
  return stripImageAltText(withoutMathComments.replace(INLINE_TITLE, (_, destination: string) => `](${destination})`));
}

/** The comments inside one display-math span, its delimiters kept (a comment must not swallow the closing one). */
function stripTexComments(math: string): string {
  const [open, close] = math.startsWith('$$') ? dollarDelimiters(math) : fenceDelimiters(math);
  const insideEnd = Math.max(open, math.length - close);
  return math.slice(0, open) + math.slice(open, insideEnd).replace(TEX_COMMENT, '$1') + math.slice(insideEnd);
}

/** Lengths of the opening and closing `$$` (none when the math runs to the end of the text). */
function dollarDelimiters(math: string): [number, number] {
  return [2, math.length >= 4 && math.endsWith('$$') ? 2 : 0];
}

/** Lengths of the opening fence line and of the closing fence (none when the block runs to the end). */
function fenceDelimiters(math: string): [number, number] {
  const firstBreak = math.indexOf('\n');
  if (firstBreak === -1) return [math.length, 0];
  const lastBreak = math.lastIndexOf('\n');
  const closed = lastBreak > firstBreak && /^[ \t>]*(`{3,}|~{3,})$/.test(math.slice(lastBreak + 1));
  return [firstBreak + 1, closed ? math.length - lastBreak : 0];
}

/**
 * Empties the brackets of every `![…]` (the alt text, nested brackets and all), keeping the rest
 * of the image. Brackets are paired in one pass, so an unmatched `![` costs no search to the end.
 */
export function stripImageAltText(text: string): string {
  const alts = altRanges(text);
  if (alts.length === 0) return text;
  let out = '';
  let at = 0;
  for (const [open, close] of alts) {
    out += text.slice(at, open + 1);
    at = close;
  }
  return out + text.slice(at);
}

/** `[open, close]` of each outermost `![ … ]` whose `]` matches (escaped brackets do not count). */
function altRanges(text: string): Array<[number, number]> {
  const pairs: Array<[number, number]> = [];
  const stack: number[] = [];
  for (let at = 0; at < text.length; at++) {
    const char = text[at];
    if (char === '\\') at++;
    else if (char === '[') stack.push(at);
    else if (char === ']') {
      const open = stack.pop();
      if (open !== undefined && text[open - 1] === '!' && !escaped(text, open - 1)) pairs.push([open, at]);
    }
  }
  // Pairs close inner-first; keep the outermost of nested ones, in order.
  pairs.sort((a, b) => a[0] - b[0]);
  const outermost: Array<[number, number]> = [];
  let reach = -1;
  for (const [open, close] of pairs) {
    if (open < reach) continue;
    outermost.push([open, close]);
    reach = close;
  }
  return outermost;
}

/** Whether the character at `at` is escaped by an odd number of backslashes. */
function escaped(text: string, at: number): boolean {
  let slashes = 0;
  while (text[at - 1 - slashes] === '\\') slashes++;
  return slashes % 2 === 1;
}

/**
 * Where a story's `## Dependencies` footer sits in its body, found as the milestone parser finds
 * it (`milestones/dependencies.ts`, docs/milestones.md): every section under a visible heading
 * named `Dependencies` — any level, a trailing colon or closing `#`s allowed, not inside a code
 * block or an HTML comment — up to the next heading. `withFooter` puts a rendered footer in the
 * place of the first such section (or after the text, when there is none), drops any others, and
 * leaves every other line as written, line ends included.
 */
import { headingText } from '../../milestones/dependencies.js';
import { markdownLines, type MarkdownLine } from '../../milestones/markdown-lines.js';

/** Whether the body already has a section the milestone parser reads as its footer. */
export function hasFooterSection(body: string): boolean {
  return sectionsOf(markdownLines(body)).length > 0;
}

/** `body` with its footer section(s) replaced by `footer` (rendered, without a trailing newline). */
export function withFooter(body: string, footer: string): string {
  const lines = markdownLines(body);
  const sections = sectionsOf(lines);
  const first = sections[0];
  if (first === undefined) {
    const text = body.replace(/\s+$/, '');
    return text === '' ? `${footer}\n` : `${text}\n\n${footer}\n`;
  }
  const dropped = new Set(sections.flatMap(({ start, end }) => range(start, end)));
  const before = lines.slice(0, first.start).map((line) => line.raw);
  const after = lines.flatMap((line, i) => (i >= first.start && !dropped.has(i) ? [line.raw] : []));
  const tail = after.join('\n');
  const joined = [...before, footer].join('\n');
  return tail.trim() === '' ? `${joined}\n` : `${joined}\n\n${tail.replace(/^\s*\n/, '')}`;
}

/** Line ranges `[start, end)` of the footer sections: a Dependencies heading and what follows it up to the next heading. */
function sectionsOf(lines: readonly MarkdownLine[]): Array<{ start: number; end: number }> {
  const sections: Array<{ start: number; end: number }> = [];
  let open: number | undefined;
  for (const [i, line] of lines.entries()) {
    const heading = line.hidden ? undefined : headingText(line.text);
    if (heading === undefined) continue;
    if (open !== undefined) sections.push({ start: open, end: i });
    open = heading === 'dependencies' ? i : undefined;
  }
  if (open !== undefined) sections.push({ start: open, end: lines.length });
  return sections;
}

const range = (start: number, end: number): number[] => Array.from({ length: end - start }, (_, i) => start + i);

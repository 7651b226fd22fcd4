/**
 * A story's `## Dependencies` footer (decisions.md §54, docs/milestones.md): its direct upstream
 * stories and the tracking issue it belongs to. The parser reads only the section under a heading
 * named `Dependencies` (any level; the section ends at the next heading) and only what the forge
 * shows as text — not code blocks, not HTML comments — so a `#12` in prose, in an example or in a
 * quoted footer is never an edge. Inside the section an upstream is a list item that starts with
 * the reference (`- #12`, `- #12 Title`, `* #12`, `- [x] #12`) or a `Depends on #12, #13` line;
 * the tracking link is a `Tracking: #1` line (`Part of #1` is read too). Bodies are untrusted:
 * the first `MAX_BODY_SCANNED` characters are read and `MAX_UPSTREAM` references kept, `truncated`
 * says when either bound cut something, and no input throws.
 *
 * `renderFooter` writes the same format, so what boss writes the parser reads back unchanged.
 */
import { inlineText } from './inline-text.js';
import { markdownLines } from './markdown-lines.js';

export const MAX_BODY_SCANNED = 65_536;
export const MAX_UPSTREAM = 100;

export interface StoryFooter {
  /** The direct upstream stories, in the order written, each once. */
  readonly upstream: readonly number[];
  /** The tracking issue the footer names, if any (the first, when it names several). */
  readonly tracking: number | undefined;
  /** Whether the body was longer than scanned or named more upstream stories than kept. */
  readonly truncated: boolean;
}

/** An issue number: 1 to 9 digits, not followed by a word character (`#12a` is no reference). */
const NUMBER = String.raw`#(\d{1,9})(?!\w)`;
const HEADING = /^ {0,3}(#{1,6})(?:[ \t]|$)/;
const ITEM = new RegExp(String.raw`^\s*[-*+][ \t]+(?:\[[ xX]\][ \t]+)?${NUMBER}`);
const DEPENDS_ON = /^\s*(?:[-*+][ \t]+)?(?:\[[ xX]\][ \t]+)?depends[ \t]+on\b[ \t]*:?/i;
const NEXT_REFERENCE = new RegExp(String.raw`[ \t,]*(?:(?:and|&)[ \t]+)?${NUMBER}`, 'iy');
const TRACKING = new RegExp(String.raw`^\s*(?:[-*+][ \t]+)?(?:tracking|part[ \t]+of)\b[ \t]*:?[ \t]*${NUMBER}`, 'i');

export function parseFooter(body: string | null | undefined): StoryFooter {
  const text = typeof body === 'string' ? body : '';
  const upstream = new Set<number>();
  let tracking: number | undefined;
  let truncated = text.length > MAX_BODY_SCANNED;
  let inSection = false;
  for (const line of markdownLines(text.slice(0, MAX_BODY_SCANNED))) {
    if (line.hidden) continue;
    const heading = headingText(line.text);
    if (heading !== undefined) {
      inSection = heading === 'dependencies';
      continue;
    }
    if (!inSection) continue;
    const link = TRACKING.exec(line.text)?.[1];
    if (link !== undefined) {
      tracking ??= issueNumber(link);
      continue;
    }
    for (const reference of referencesOn(line.text)) {
      if (upstream.size >= MAX_UPSTREAM) truncated ||= !upstream.has(reference);
      else upstream.add(reference);
    }
  }
  return { upstream: [...upstream], tracking, truncated };
}

/**
 * A heading's words in lower case (`## Dependencies:` → `dependencies`), or undefined for any other
 * line. The one reading of a heading: the planner's tools find the footer they rewrite with it too.
 */
export function headingText(line: string): string | undefined {
  const marks = HEADING.exec(line)?.[1];
  if (marks === undefined) return undefined;
  const words = line.trim().slice(marks.length).trim();
  return withoutClosingSequence(words).replace(/:$/, '').toLowerCase();
}

/** A closing run of `#`s after a space is not part of a heading's text (CommonMark §4.2). */
function withoutClosingSequence(words: string): string {
  let end = words.length;
  while (end > 0 && words[end - 1] === '#') end--;
  if (end === words.length || (end > 0 && words[end - 1] !== ' ' && words[end - 1] !== '\t')) return words;
  return words.slice(0, end).trimEnd();
}

function referencesOn(line: string): number[] {
  const item = ITEM.exec(line)?.[1];
  if (item !== undefined) return [issueNumber(item)].filter((n) => n > 0);
  const dependsOn = DEPENDS_ON.exec(line);
  if (dependsOn === null) return [];
  const found: number[] = [];
  NEXT_REFERENCE.lastIndex = dependsOn[0].length;
  for (let match = NEXT_REFERENCE.exec(line); match !== null; match = NEXT_REFERENCE.exec(line)) {
    const reference = issueNumber(match[1]!);
    if (reference > 0) found.push(reference);
    if (found.length > MAX_UPSTREAM) break;
  }
  return found;
}

const issueNumber = (digits: string): number => Number.parseInt(digits, 10);

export interface FooterSpec {
  readonly upstream: readonly number[];
  readonly tracking?: number | undefined;
  /** Titles to write after each reference, for people; the parser reads only the reference. */
  readonly titles?: ReadonlyMap<number, string>;
}

/**
 * The footer for a story: `## Dependencies`, the `Tracking: #N` line when there is a tracking
 * issue, then one `- #N Title` item per upstream story (`- none` when there is none). Numbers the
 * parser would not read back (not a positive integer of at most 9 digits) are left out.
 */
export function renderFooter(spec: FooterSpec): string {
  const upstream = [...new Set(spec.upstream.filter(isIssueNumber))].slice(0, MAX_UPSTREAM);
  const lines = ['## Dependencies'];
  if (spec.tracking !== undefined && isIssueNumber(spec.tracking)) lines.push(`Tracking: #${spec.tracking}`);
  if (upstream.length === 0) lines.push('- none');
  for (const n of upstream) {
    const title = spec.titles?.get(n);
    lines.push(title === undefined || inlineText(title) === '' ? `- #${n}` : `- #${n} ${inlineText(title)}`);
  }
  return lines.join('\n');
}

const isIssueNumber = (n: number): boolean => Number.isInteger(n) && n > 0 && n < 1_000_000_000;

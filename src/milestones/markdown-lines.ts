/**
 * The lines of a Markdown text, each marked hidden when the forge shows it as code or not at all:
 * inside a fenced code block (``` or ~~~, three or more, closed by a run of the same character at
 * least as long — CommonMark §4.5; the fence lines themselves count as hidden) or inside an HTML
 * comment that spans lines. The footer parser and the tracking block read only what is not
 * hidden, so an example in a code block or a commented-out line never counts. Linear in the text;
 * `split('\n')` keeps each line's `\r`, so joining the raw lines with `\n` gives the text back.
 */

export interface MarkdownLine {
  /** The line as written (a trailing `\r` kept), for splicing the text back together. */
  readonly raw: string;
  /** The line without its trailing `\r`, for matching. */
  readonly text: string;
  readonly hidden: boolean;
}

const FENCE_OPEN = /^\s*(`{3,}|~{3,})/;

export function markdownLines(text: string): MarkdownLine[] {
  const lines: MarkdownLine[] = [];
  let fence: string | undefined;
  let inComment = false;
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (fence !== undefined) {
      if (closesFence(line, fence)) fence = undefined;
      lines.push({ raw, text: line, hidden: true });
    } else if (inComment) {
      inComment = !line.includes('-->');
      lines.push({ raw, text: line, hidden: true });
    } else {
      const opening = FENCE_OPEN.exec(line)?.[1];
      // An info string after backticks may not itself hold a backtick (CommonMark §4.5).
      if (opening !== undefined && !(opening.startsWith('`') && line.trimStart().slice(opening.length).includes('`'))) {
        fence = opening;
        lines.push({ raw, text: line, hidden: true });
        continue;
      }
      inComment = opensComment(line);
      lines.push({ raw, text: line, hidden: false });
    }
  }
  return lines;
}

function closesFence(line: string, fence: string): boolean {
  const trimmed = line.trim();
  return trimmed.length >= fence.length && trimmed === fence[0]!.repeat(trimmed.length);
}

/** A `<!--` on the line with no `-->` after the last one: the comment goes on past this line. */
function opensComment(line: string): boolean {
  const open = line.lastIndexOf('<!--');
  return open >= 0 && !line.includes('-->', open + 4);
}

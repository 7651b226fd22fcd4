/**
 * The hidden line that says which review comment an answer of dev's answers:
 * `<!-- claude-hooks:answers review-comment 123 fixed -->`, added by the service to the comment
 * `answer_review_comment` posts, and read back to tell which review comments are still
 * outstanding (`outstanding.ts`). The forge does not show it; the service trusts it only in a
 * comment the implementer's own forge user wrote, and only because that user's forge tools strip
 * every such marker from the text the agent wrote before they add the service's own.
 */

/** What dev did about a review comment: changed the code (and pushed), or answered why not. */
export type Resolution = 'fixed' | 'answered';

const MARKER = /<!-- claude-hooks:answers review-comment (\d+) (fixed|answered) -->/g;

/**
 * Anything the forge would hide that starts like an answer marker, however spaced or cased, to
 * its `-->` or — left open — to the end of the text (the forge hides all of it).
 */
const LOOSE_MARKER = /<!--\s*\/?\s*claude-hooks\s*:\s*answers[\s\S]*?(?:-->|$)/gi;

export function answerMarker(commentId: number, resolution: Resolution): string {
  return `<!-- claude-hooks:answers review-comment ${commentId} ${resolution} -->`;
}

/** The review comments `body` marks as answered or fixed. */
export function answeredIn(body: string): number[] {
  return [...body.matchAll(MARKER)].map((match) => Number.parseInt(match[1] ?? '', 10));
}

/**
 * `text` without any answer marker. Repeated until nothing changes: removing one marker must not
 * join the text around it into another (`<!<!-- claude-hooks:answers … -->-- claude-hooks:…`).
 */
export function withoutAnswerMarkers(text: string): string {
  let before = text;
  for (let after = before.replace(LOOSE_MARKER, ''); after !== before; after = before.replace(LOOSE_MARKER, ''))
    before = after;
  return before;
}

/**
 * What the service checks in text an agent writes to the forge as an issue's title or body
 * (decisions.md §53): the service's own markers, and size. A refusal is a sentence the model can
 * act on, never a throw. Secrets are not refused but replaced, by the service's redactor
 * (`ToolContext.redact`), before the text leaves.
 */

/** Gitea's limit on an issue title (`CreateIssueOption`, a `VARCHAR(255)`). */
export const MAX_TITLE_CHARS = 255;
/**
 * The most an agent may write as an issue's body. Well under the 65,536 characters the milestone
 * parser reads (`MAX_BODY_SCANNED`), so a footer written after it is always read.
 */
export const MAX_BODY_CHARS = 20_000;
/** The most upstream stories one story may name. */
export const MAX_DEPENDS_ON = 30;
/** Issues one run may open when `agents.<name>.limits.maxIssuesPerRun` is not set. */
export const DEFAULT_MAX_ISSUES_PER_RUN = 30;

/**
 * The service finds its own text by markers of this form — a status comment's
 * `<!-- claude-hooks:status job=N -->`, a tracking issue's `<!-- claude-hooks:milestone -->`
 * block — so an agent's text that carried one could be taken for the service's (overwritten,
 * removed, or read as the graph).
 */
const SERVICE_MARKER = /<!--\s*\/?\s*claude-hooks:/i;

/** Why `text` may not be written as `what`, or undefined when it may. */
export function textRefusal(what: 'title' | 'body', text: string, max: number): string | undefined {
  if (SERVICE_MARKER.test(text))
    return `the ${what} may not carry the service's own marker (<!-- claude-hooks:… -->): the service would take it for its own text`;
  if (what === 'title' && /[\r\n]/.test(text)) return 'the title must be one line';
  if (text.length > max) return `the ${what} is ${text.length} characters long; at most ${max} are allowed`;
  return undefined;
}

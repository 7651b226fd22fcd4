/**
 * The marker at the top of every status comment: an HTML comment the forge does not render,
 * naming the job. It lets the service recognise its own status comments — routing ignores them
 * (they are the agent's own bookkeeping, not a message to anyone), and a prompt can leave them out.
 */
const PATTERN = /^<!-- claude-hooks:status job=(\d+) -->(?:\n|$)/;

export function statusMarker(jobId: number): string {
  return `<!-- claude-hooks:status job=${jobId} -->`;
}

/** The job a status comment belongs to, when `body` starts with the marker. */
export function statusJobOf(body: string): number | undefined {
  const match = PATTERN.exec(body);
  return match?.[1] === undefined ? undefined : Number.parseInt(match[1], 10);
}

export const isStatusComment = (body: string): boolean => statusJobOf(body) !== undefined;

/**
 * The work key `(agent, repo, issue)`: the unit of conversation (one Claude session), of
 * serialisation (one job at a time) and of rate limits, spoken by dispatch, the agents, sessions,
 * housekeeping and the stores alike.
 */

/** `(agent, repo, issue)`: the unit of conversation, of serialisation, and of rate limits. */
export interface WorkKey {
  readonly agent: string;
  /** `host/owner/name`, lower-cased. */
  readonly repo: string;
  readonly issue: number;
}

export function workKeyString(key: WorkKey): string {
  return `${key.agent}:${key.repo}#${key.issue}`;
}

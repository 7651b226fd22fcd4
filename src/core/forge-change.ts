/** What an agent's forge tool changed on the forge: kept on the run record, counted by the status comment. */

export interface ForgeChange {
  readonly kind: 'comment' | 'pull' | 'review' | 'review-request' | 'labels' | 'issue';
  /** The issue, PR or comment number/id concerned. */
  readonly number: number;
  readonly url: string | undefined;
  /** One line for the run record and the status comment. */
  readonly summary: string;
}

/**
 * What the intake needs from storage. The SQLite store implements it; a later PostgreSQL store
 * will too. `record` must make the delivery durable (on disk, committed) before it resolves:
 * the forge never re-sends a delivery we acknowledged, so a 202 is a promise.
 */
import type { ForgeEvent, ForgeKind } from '../core/events.js';

export interface DeliveryRecord {
  /** The forge's delivery UUID; a polled event gets a synthetic `poll:<fingerprint>` id. */
  readonly deliveryId: string;
  readonly source: 'webhook' | 'poll';
  readonly forge: ForgeKind;
  /** The event-type header (`issue_comment`, `pull_request_review_approved`, …), or `poll`. */
  readonly eventType: string;
  /** Milliseconds since the epoch. */
  readonly receivedAt: number;
  /** The headers that matter (delivery, event, content type, user agent); never the signature. */
  readonly headers: Readonly<Record<string, string>>;
  /** The raw body as received, or the JSON of a polled event. */
  readonly body: Buffer;
  readonly outcome:
    | { readonly kind: 'event'; readonly event: ForgeEvent }
    | { readonly kind: 'ignored'; readonly reason: string };
}

export type RecordResult =
  | { readonly status: 'accepted'; readonly eventId: number }
  | { readonly status: 'ignored' }
  /** The same delivery id was stored before. */
  | { readonly status: 'duplicate-delivery' }
  /** Another delivery carried the same change (same fingerprint) within the de-duplication window. */
  | { readonly status: 'duplicate-event'; readonly originalDeliveryId: string };

export interface DeliveryStore {
  record(delivery: DeliveryRecord): Promise<RecordResult>;
}

/** One stored delivery as an operator sees it (`claude-hooks deliveries`). */
export interface DeliverySummary {
  readonly deliveryId: string;
  readonly source: 'webhook' | 'poll';
  readonly forge: ForgeKind;
  readonly eventType: string;
  readonly receivedAt: number;
  readonly outcome: 'accepted' | 'ignored' | 'duplicate';
  /** Why it was ignored, or which delivery it duplicates. */
  readonly reason: string | null;
  /** The event it became, when accepted. */
  readonly eventId: number | null;
  /** What dispatch made of that event; null when the delivery became no event. */
  readonly routing: EventRouting | null;
}

/** One agent's part in a routed event: a job (and where it is now), or why not. */
export type AgentDecision =
  | {
      readonly agent: string;
      readonly kind: 'job';
      readonly jobId: number;
      readonly trigger: string;
      readonly state: string;
    }
  /** `agent` is `*` when the reason concerns every agent (a repository not configured). */
  | { readonly agent: string; readonly kind: 'skipped'; readonly reason: string };

export interface EventRouting {
  /** When dispatch routed the event; null while it waits (a forge outage retries it). */
  readonly routedAt: number | null;
  /** Empty when no agent's trigger matched. */
  readonly decisions: readonly AgentDecision[];
}

/** The record of what arrived, newest first. */
export interface DeliveryHistory {
  recent(limit: number): Promise<DeliverySummary[]>;
  /**
   * The raw body of a delivery as received, also when it was stored by reference (the same bytes
   * arrived earlier under another delivery id); undefined for an unknown or deleted delivery.
   */
  body(deliveryId: string): Promise<Buffer | undefined>;
}

/** What one retention pass deleted. */
export interface RetentionReport {
  readonly deliveries: number;
  readonly events: number;
  readonly jobs: number;
}

/**
 * Forgetting what is old. `deleteDeliveriesBefore(cutoff)` deletes the deliveries received
 * before `cutoff` (ms since the epoch) with their bodies, and what hangs off them that nothing
 * needs any more: their events once dispatched and not answered by a queued or running job, the
 * routing decisions on those events, and finished jobs left with no event. A delivery whose event
 * is still needed stays, and so does a body that a newer delivery refers to (it moves to that
 * delivery). Housekeeping calls it with now − the retention period.
 */
export interface DeliveryRetention {
  deleteDeliveriesBefore(cutoff: number): Promise<RetentionReport>;
}

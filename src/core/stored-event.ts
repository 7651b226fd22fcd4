/**
 * An event as the service keeps it: stored by the intake (or the poller), routed by dispatch, given
 * to the agents, its id the cursor of what a session has been shown.
 */
import type { ForgeEvent } from './events.js';

/** An event as stored: its row id, the delivery that brought it, when it arrived. */
export interface StoredEvent {
  readonly id: number;
  readonly deliveryId: string;
  readonly receivedAt: number;
  readonly event: ForgeEvent;
}

/** Told after an event is committed, so dispatch can route it without reading it back. */
export type EventListener = (stored: StoredEvent) => void;

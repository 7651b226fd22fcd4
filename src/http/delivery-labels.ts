/**
 * Metric labels for a webhook delivery, drawn from closed sets only: the known forges (or
 * `unknown`) and the event-type headers the service handles (or `other`). Headers are chosen by
 * whoever sends the request, signed or not; a label made from one would let each new header
 * value add a time series for good (60,000 unsigned requests with new
 * `x-forgejo-event` values took 500 MiB, and one scrape 234 MiB). One vocabulary for every
 * outcome — the event-type header — so a delivery is counted under the same `event` whether it
 * was rejected or accepted.
 */
import type { ForgeKind } from '../core/events.js';
import { handlerFor } from '../forge/webhook/forge-handlers.js';
import type { HeaderReading } from '../intake/accept-delivery.js';

export interface DeliveryLabels {
  readonly forge: ForgeKind | 'unknown';
  /** An event-type header the service handles (`issues`, `issue_comment`, …), or `other`. */
  readonly event: string;
}

/** Labels from the request's headers as `readDeliveryHeaders` read them (once, in the route). */
export function deliveryLabels(read: HeaderReading): DeliveryLabels {
  if (!read.ok) return { forge: read.error.kind === 'missing-header' ? read.error.forge : 'unknown', event: 'other' };
  const { forge, eventType } = read.value;
  return { forge, event: handlerFor(forge, eventType) === undefined ? 'other' : eventType };
}

/**
 * An event the service makes up itself — housekeeping's rebase request, the milestone driver's
 * hand-outs and plan requests, the pull watch's failed checks and conflicts — as a delivery,
 * stored through the intake's own `record` exactly as the poller stores what it finds: routing
 * then queues the job and the prompt says why. The delivery id is `<maker>:<fingerprint>`, so
 * recording the same event again (a restart, a second look) is a duplicate, never a second job.
 */
import type { ForgeEvent } from '../core/events.js';
import type { DeliveryRecord } from './ports.js';

/** `maker` names who made the event up (`housekeeping`, `milestones`, `pulls`): the id's prefix and the event type shown. */
export function serviceDelivery(maker: string, event: ForgeEvent, receivedAt: number): DeliveryRecord {
  return {
    deliveryId: `${maker}:${event.fingerprint}`,
    source: 'poll',
    forge: event.forge,
    eventType: maker,
    receivedAt,
    headers: {},
    body: Buffer.from(JSON.stringify(event)),
    outcome: { kind: 'event', event },
  };
}

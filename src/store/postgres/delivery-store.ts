/**
 * The intake's storage (`DeliveryStore`) on PostgreSQL, the twin of the SQLite one: one delivery
 * row per delivery id, one event per distinct change within the de-duplication window, each body
 * stored once by its sha256 (later copies name the holder in `body_of`).
 *
 * Several workers record at once, so what SQLite's single writer gave for free is taken here:
 * a transaction-scoped advisory lock per fingerprint (two deliveries of one change at two workers
 * make one event) and per body hash (one stored copy); the unique delivery id settles a delivery
 * received twice. The event's NOTIFY is queued in the same transaction, and `accepted` is
 * answered only after COMMIT.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../../lib/clock.js';
import type {
  DeliveryHistory,
  DeliveryRecord,
  DeliveryRetention,
  DeliveryStore,
  RecordResult,
} from '../../intake/ports.js';
import type { EventListener } from '../../core/stored-event.js';
import { eventIdsOf, toDeliverySummary, type SummaryRow } from '../rows/deliveries.js';
import { createPgDeliveryRetention } from './delivery-retention.js';
import { routingReader } from './delivery-routing.js';
import { notifyInTransaction, type NotificationChannels } from './notifications.js';
import { inTransaction, type Pool, type PoolClient } from './pool.js';

const NO_BODY = Buffer.alloc(0);
/** Advisory lock classes (first key) of the recording transaction. */
const FINGERPRINT_LOCK = 0x63686631;
const BODY_LOCK = 0x63686232;
const UNIQUE_VIOLATION = '23505';

export interface PgDeliveryStoreOptions {
  readonly pool: Pool;
  readonly clock: Clock;
  readonly dedupWindowMs: number;
  /** Where to announce new events to other workers; none: not announced. */
  readonly channels?: NotificationChannels;
  /** Called for each new event, after its transaction committed (this process's own events). */
  readonly onEvent?: EventListener;
}

export function createPgDeliveryStore(options: PgDeliveryStoreOptions): DeliveryStore & DeliveryRetention {
  const { pool, clock, channels } = options;

  const insertDelivery = (
    client: PoolClient,
    delivery: DeliveryRecord,
    body: { sha256: string; holder: string | null },
    outcome: { outcome: string; reason?: string; fingerprint?: string; eventId?: number },
  ) =>
    client.query(
      `INSERT INTO deliveries (delivery_id, source, forge, event_type, received_at, headers, body, body_sha256, body_of, outcome, reason, fingerprint, event_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
      [
        delivery.deliveryId,
        delivery.source,
        delivery.forge,
        delivery.eventType,
        delivery.receivedAt,
        JSON.stringify(delivery.headers),
        body.holder === null ? delivery.body : NO_BODY,
        body.sha256,
        body.holder,
        outcome.outcome,
        outcome.reason ?? null,
        outcome.fingerprint ?? null,
        outcome.eventId ?? null,
      ],
    );

  const write = async (client: PoolClient, delivery: DeliveryRecord, sha256: string): Promise<RecordResult> => {
    const event = delivery.outcome.kind === 'event' ? delivery.outcome.event : undefined;
    // Fingerprint first, body last: every transaction takes them in this order, so none deadlock.
    if (event)
      await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [FINGERPRINT_LOCK, event.fingerprint]);
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [BODY_LOCK, sha256]);
    const known = await client.query('SELECT 1 FROM deliveries WHERE delivery_id = $1', [delivery.deliveryId]);
    if (known.rowCount) return { status: 'duplicate-delivery' };
    const holderRows = await client.query<{ delivery_id: string }>(
      'SELECT delivery_id FROM deliveries WHERE body_sha256 = $1 AND body_of IS NULL LIMIT 1',
      [sha256],
    );
    const body = { sha256, holder: holderRows.rows[0]?.delivery_id ?? null };
    if (delivery.outcome.kind === 'ignored' || !event) {
      await insertDelivery(client, delivery, body, {
        outcome: 'ignored',
        reason: delivery.outcome.kind === 'ignored' ? delivery.outcome.reason : undefined,
      });
      return { status: 'ignored' };
    }
    const original = await client.query<{ delivery_id: string }>(
      'SELECT delivery_id FROM events WHERE fingerprint = $1 AND received_at >= $2 ORDER BY id LIMIT 1',
      [event.fingerprint, clock.now() - options.dedupWindowMs],
    );
    const originalId = original.rows[0]?.delivery_id;
    if (originalId !== undefined) {
      await insertDelivery(client, delivery, body, {
        outcome: 'duplicate',
        reason: `same event as delivery ${originalId}`,
        fingerprint: event.fingerprint,
      });
      return { status: 'duplicate-event', originalDeliveryId: originalId };
    }
    const inserted = await client.query<{ id: number }>(
      'INSERT INTO events (delivery_id, fingerprint, repo, type, event, received_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id',
      [
        delivery.deliveryId,
        event.fingerprint,
        `${event.repo.host}/${event.repo.fullName}`.toLowerCase(),
        event.type,
        JSON.stringify(event),
        delivery.receivedAt,
      ],
    );
    const eventId = inserted.rows[0]!.id;
    await insertDelivery(client, delivery, body, { outcome: 'accepted', fingerprint: event.fingerprint, eventId });
    if (channels) await notifyInTransaction(client, channels.events, channels.token, String(eventId));
    return { status: 'accepted', eventId };
  };

  return {
    async record(delivery) {
      const sha256 = createHash('sha256').update(delivery.body).digest('hex');
      let result: RecordResult;
      try {
        result = await inTransaction(pool, (client) => write(client, delivery, sha256));
      } catch (error) {
        // The same delivery id committed by another worker between our check and our insert.
        if ((error as { code?: string }).code === UNIQUE_VIOLATION) return { status: 'duplicate-delivery' };
        throw error;
      }
      if (result.status === 'accepted' && delivery.outcome.kind === 'event') {
        options.onEvent?.({
          id: result.eventId,
          deliveryId: delivery.deliveryId,
          receivedAt: delivery.receivedAt,
          event: delivery.outcome.event,
        });
      }
      return result;
    },
    ...createPgDeliveryRetention(pool),
  };
}

export function createPgDeliveryHistory(pool: Pool): DeliveryHistory {
  const routingOf = routingReader(pool);
  return {
    async body(deliveryId) {
      const { rows } = await pool.query<{ body: Buffer }>(
        'SELECT coalesce(holder.body, d.body) AS body FROM deliveries d LEFT JOIN deliveries holder ON holder.delivery_id = d.body_of WHERE d.delivery_id = $1',
        [deliveryId],
      );
      return rows[0]?.body;
    },
    async recent(limit) {
      const { rows } = await pool.query<SummaryRow>(
        'SELECT delivery_id, source, forge, event_type, received_at, outcome, reason, event_id FROM deliveries ORDER BY seq DESC LIMIT $1',
        [limit],
      );
      const routing = await routingOf(eventIdsOf(rows));
      return rows.map((r) => toDeliverySummary(r, routing));
    },
  };
}

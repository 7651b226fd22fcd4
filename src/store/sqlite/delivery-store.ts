/**
 * The intake's storage (`DeliveryStore`) on SQLite: one delivery row per delivery id, one event
 * row per distinct change. A change already seen within the de-duplication window — a "Replay"
 * from the forge UI, an overlapping org hook, the reconciliation poller finding what a webhook
 * already brought — is recorded as a duplicate delivery and creates no second event, so no
 * second piece of work.
 *
 * A body is stored once per distinct content: a delivery whose bytes were stored before (a
 * captured delivery replayed under new ids, a "Replay" from the forge UI) keeps an empty body and
 * names in `body_of` the delivery that holds it (docs/decisions.md §18: 500 replays of one
 * 1 MiB body had stored 501 copies).
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../../lib/clock.js';
import type {
  DeliveryHistory,
  DeliveryRecord,
  DeliveryRetention,
  DeliveryStore,
  EventRouting,
  RecordResult,
} from '../../intake/ports.js';
import type { EventListener } from '../../core/stored-event.js';
import {
  eventIdsOf,
  toDeliverySummary,
  toEventRoutings,
  type JobDecisionRow,
  type RoutedEventRow,
  type SkipDecisionRow,
  type SummaryRow,
} from '../rows/deliveries.js';
import { createSqliteDeliveryRetention } from './delivery-retention.js';
import type { GroupCommitter } from './group-commit.js';
import type { Db } from './open-database.js';

const NO_BODY = Buffer.alloc(0);

export interface SqliteDeliveryStoreOptions {
  readonly db: Db;
  readonly committer: GroupCommitter;
  readonly clock: Clock;
  readonly dedupWindowMs: number;
  /** Called for each new event, after its transaction committed. */
  readonly onEvent?: EventListener;
}

export function createSqliteDeliveryStore(options: SqliteDeliveryStoreOptions): DeliveryStore & DeliveryRetention {
  const { db, committer, clock } = options;
  const bodyHolder = db.prepare<[string], { delivery_id: string }>(
    'SELECT delivery_id FROM deliveries WHERE body_sha256 = ? AND body_of IS NULL LIMIT 1',
  );
  const deliveryExists = db.prepare<[string], { n: number }>('SELECT 1 AS n FROM deliveries WHERE delivery_id = ?');
  const sameEvent = db.prepare<[string, number], { delivery_id: string }>(
    'SELECT delivery_id FROM events WHERE fingerprint = ? AND received_at >= ? ORDER BY id LIMIT 1',
  );
  const insertDelivery = db.prepare(
    `INSERT INTO deliveries (delivery_id, source, forge, event_type, received_at, headers, body, body_sha256, body_of, outcome, reason, fingerprint, event_id)
     VALUES (@deliveryId, @source, @forge, @eventType, @receivedAt, @headers, @body, @bodySha256, @bodyOf, @outcome, @reason, @fingerprint, @eventId)`,
  );
  const insertEvent = db.prepare(
    `INSERT INTO events (delivery_id, fingerprint, repo, type, event, received_at)
     VALUES (@deliveryId, @fingerprint, @repo, @type, @event, @receivedAt)`,
  );

  const write = (delivery: DeliveryRecord, bodySha256: string): RecordResult => {
    if (deliveryExists.get(delivery.deliveryId)) return { status: 'duplicate-delivery' };
    const holder = bodyHolder.get(bodySha256)?.delivery_id ?? null;
    const row = {
      deliveryId: delivery.deliveryId,
      source: delivery.source,
      forge: delivery.forge,
      eventType: delivery.eventType,
      receivedAt: delivery.receivedAt,
      headers: JSON.stringify(delivery.headers),
      body: holder === null ? delivery.body : NO_BODY,
      bodySha256,
      bodyOf: holder,
      outcome: 'ignored',
      reason: null as string | null,
      fingerprint: null as string | null,
      eventId: null as number | null,
    };
    if (delivery.outcome.kind === 'ignored') {
      insertDelivery.run({ ...row, reason: delivery.outcome.reason });
      return { status: 'ignored' };
    }
    const event = delivery.outcome.event;
    const original = sameEvent.get(event.fingerprint, clock.now() - options.dedupWindowMs);
    if (original) {
      insertDelivery.run({
        ...row,
        outcome: 'duplicate',
        reason: `same event as delivery ${original.delivery_id}`,
        fingerprint: event.fingerprint,
      });
      return { status: 'duplicate-event', originalDeliveryId: original.delivery_id };
    }
    const eventId = Number(
      insertEvent.run({
        deliveryId: delivery.deliveryId,
        fingerprint: event.fingerprint,
        repo: `${event.repo.host}/${event.repo.fullName}`.toLowerCase(),
        type: event.type,
        event: JSON.stringify(event),
        receivedAt: delivery.receivedAt,
      }).lastInsertRowid,
    );
    insertDelivery.run({ ...row, outcome: 'accepted', fingerprint: event.fingerprint, eventId });
    return { status: 'accepted', eventId };
  };

  return {
    async record(delivery) {
      const bodySha256 = createHash('sha256').update(delivery.body).digest('hex');
      const result = await committer.submit(() => write(delivery, bodySha256));
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
    ...createSqliteDeliveryRetention(db, committer),
  };
}

export function createSqliteDeliveryHistory(db: Db): DeliveryHistory {
  const recent = db.prepare<[number], SummaryRow>(
    'SELECT delivery_id, source, forge, event_type, received_at, outcome, reason, event_id FROM deliveries ORDER BY seq DESC LIMIT ?',
  );
  const routingOf = routingReader(db);
  const body = db.prepare<[string], { body: Buffer }>(
    'SELECT coalesce(holder.body, d.body) AS body FROM deliveries d LEFT JOIN deliveries holder ON holder.delivery_id = d.body_of WHERE d.delivery_id = ?',
  );
  return {
    async body(deliveryId) {
      return body.get(deliveryId)?.body;
    },
    async recent(limit) {
      const rows = recent.all(limit);
      const routing = routingOf(eventIdsOf(rows));
      return rows.map((r) => toDeliverySummary(r, routing));
    },
  };
}

/** Each event's routing: when, and per agent the job it joined or the recorded reason why not. */
function routingReader(db: Db): (eventIds: readonly number[]) => Map<number, EventRouting> {
  return (eventIds) => {
    if (eventIds.length === 0) return new Map();
    const ids = JSON.stringify(eventIds);
    const events = db
      .prepare<[string], RoutedEventRow>(
        'SELECT id, dispatched_at FROM events WHERE id IN (SELECT value FROM json_each(?))',
      )
      .all(ids);
    const jobs = db
      .prepare<[string], JobDecisionRow>(
        `SELECT je.event_id, j.agent, j.id AS job_id, je.trigger, j.state FROM job_events je JOIN jobs j ON j.id = je.job_id
          WHERE je.event_id IN (SELECT value FROM json_each(?)) ORDER BY j.id`,
      )
      .all(ids);
    const skips = db
      .prepare<[string], SkipDecisionRow>(
        'SELECT event_id, agent, reason FROM routing_skips WHERE event_id IN (SELECT value FROM json_each(?)) ORDER BY rowid',
      )
      .all(ids);
    return toEventRoutings(events, jobs, skips);
  };
}

/**
 * Wake-ups across workers by LISTEN/NOTIFY. Writers NOTIFY inside their transaction, so
 * PostgreSQL delivers the notification only if, and once, the change committed. Two channels,
 * named after the schema so test schemas never hear each other:
 * - events: the id of each new event; a worker that did not record it reads it and tells its
 *   listeners (its dispatcher routes it at once);
 * - jobs: a job became queued or runnable, or a running job ended; other workers' dispatchers
 *   schedule.
 * Each payload starts with the writing process's token, so a process ignores its own (it has
 * already told its listeners, after its commit — the notification may even arrive first).
 * One dedicated connection listens and reconnects after a loss; what was sent while it was away
 * is caught by the dispatcher's slow poll, and the jobs listeners are told once it is back.
 */
import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import type { EventListener, StoredEvent } from '../../intake/ports.js';
import type { Pool, PoolClient } from './pool.js';

export interface NotificationChannels {
  readonly events: string;
  readonly jobs: string;
  /** This process's mark on what it sends. */
  readonly token: string;
}

export function notificationChannels(schema?: string): NotificationChannels {
  // Channel names are identifiers (under 64 bytes): a long or unusual schema name is hashed.
  const plain = schema !== undefined && /^[a-z0-9_]{1,40}$/.test(schema);
  const suffix = schema === undefined ? '' : `_${plain ? schema : createHash('sha256').update(schema).digest('hex').slice(0, 16)}`;
  return { events: `claude_hooks_events${suffix}`, jobs: `claude_hooks_jobs${suffix}`, token: randomBytes(6).toString('hex') };
}

/** Queues a notification in the caller's transaction: sent at its commit, dropped at rollback. */
export async function notifyInTransaction(client: PoolClient, channel: string, token: string, payload = ''): Promise<void> {
  await client.query('SELECT pg_notify($1, $2)', [channel, `${token}:${payload}`]);
}

export interface EventNotificationOptions {
  readonly url: string;
  readonly schema?: string;
  readonly pool: Pool;
  readonly channels: NotificationChannels;
  /** Told of events committed by other processes on the same database (and schema). */
  readonly onEvent: EventListener;
  /** Told when another process changed the jobs. */
  readonly onJobsChanged: () => void;
  /** How long to wait before reconnecting after the listening connection was lost (default 1 s). */
  readonly reconnectDelayMs?: number;
}

export interface EventNotifications {
  stop(): Promise<void>;
}

export async function startEventNotifications(options: EventNotificationOptions): Promise<EventNotifications> {
  const { channels, pool } = options;
  const delay = options.reconnectDelayMs ?? 1000;
  let client: pg.Client | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;

  const readEvent = async (id: number): Promise<StoredEvent | undefined> => {
    const { rows } = await pool.query<{ id: number; delivery_id: string; received_at: number; event: string }>(
      'SELECT id, delivery_id, received_at, event FROM events WHERE id = $1',
      [id],
    );
    const row = rows[0];
    return row && { id: row.id, deliveryId: row.delivery_id, receivedAt: row.received_at, event: JSON.parse(row.event) as StoredEvent['event'] };
  };

  const onNotification = (message: pg.Notification) => {
    const [token, payload] = splitPayload(message.payload ?? '');
    if (token === channels.token || stopped) return;
    if (message.channel === channels.jobs) return options.onJobsChanged();
    if (message.channel !== channels.events) return;
    const id = Number(payload);
    if (!Number.isSafeInteger(id)) return;
    // A read that fails (the pool is closing) is left to the dispatcher's poll.
    void readEvent(id).then(
      (stored) => stored && !stopped && options.onEvent(stored),
      () => undefined,
    );
  };

  const connect = async (): Promise<void> => {
    const next = new pg.Client({
      connectionString: options.url,
      application_name: `claude-hooks-listen${options.schema ? `-${options.schema}` : ''}`,
    });
    next.on('notification', onNotification);
    next.on('error', () => lost(next));
    next.on('end', () => lost(next));
    try {
      await next.connect();
      await next.query(`LISTEN ${quoteIdentifier(channels.events)}`);
      await next.query(`LISTEN ${quoteIdentifier(channels.jobs)}`);
    } catch (error) {
      await next.end().catch(() => undefined);
      throw error;
    }
    if (stopped) {
      await next.end().catch(() => undefined);
      return;
    }
    client = next;
  };

  const lost = (which: pg.Client) => {
    if (client !== which) return;
    client = undefined;
    which.removeAllListeners('end');
    void which.end().catch(() => undefined);
    scheduleReconnect();
  };

  const scheduleReconnect = () => {
    if (stopped || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      connect().then(
        () => {
          // Whatever changed while nobody listened: have the dispatcher look.
          if (!stopped) options.onJobsChanged();
        },
        () => scheduleReconnect(),
      );
    }, delay);
    retry.unref();
  };

  await connect();
  return {
    async stop() {
      stopped = true;
      if (retry) clearTimeout(retry);
      const current = client;
      client = undefined;
      await current?.end().catch(() => undefined);
    },
  };
}

function splitPayload(payload: string): [string, string] {
  const at = payload.indexOf(':');
  return at < 0 ? [payload, ''] : [payload.slice(0, at), payload.slice(at + 1)];
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

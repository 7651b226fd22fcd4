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
 * One dedicated connection listens. It is pinged now and then (a connection can die without a
 * word: a failover, a network that drops packets), and when it is lost — its `error` is reported,
 * never left to kill the process — it reconnects by itself, waiting longer after each failed
 * attempt up to a cap, and LISTENs again. What was sent while it was away is caught by the
 * dispatcher's slow poll; and once it is back the jobs listeners are told, so nothing waits for it.
 */
import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import type { EventListener, StoredEvent } from '../../core/stored-event.js';
import { connectionConfig, DEFAULT_CONNECT_TIMEOUT_MS, type ConnectionTimeouts } from './connection-settings.js';
import type { Pool, PoolClient } from './pool.js';
import { cappedBackoff } from '../../lib/backoff.js';

export interface NotificationChannels {
  readonly events: string;
  readonly jobs: string;
  /** This process's mark on what it sends. */
  readonly token: string;
}

export function notificationChannels(schema?: string): NotificationChannels {
  // Channel names are identifiers (under 64 bytes): a long or unusual schema name is hashed.
  const plain = schema !== undefined && /^[a-z0-9_]{1,40}$/.test(schema);
  const suffix =
    schema === undefined ? '' : `_${plain ? schema : createHash('sha256').update(schema).digest('hex').slice(0, 16)}`;
  return {
    events: `claude_hooks_events${suffix}`,
    jobs: `claude_hooks_jobs${suffix}`,
    token: randomBytes(6).toString('hex'),
  };
}

/** Queues a notification in the caller's transaction: sent at its commit, dropped at rollback. */
export async function notifyInTransaction(
  client: PoolClient,
  channel: string,
  token: string,
  payload = '',
): Promise<void> {
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
  /** Connect timeout (and statement timeout) of the listening connection. */
  readonly timeouts?: ConnectionTimeouts;
  /** Told when the listening connection fails, and of each reconnect that fails. */
  readonly onError?: (error: Error) => void;
  /** The wait before the first reconnect after a loss (default 1 s); it doubles with each failed attempt. */
  readonly reconnectDelayMs?: number;
  /** No wait between two reconnects is longer (default 30 s). */
  readonly maxReconnectDelayMs?: number;
  /** How often the listening connection is asked `SELECT 1` (default 30 s); no answer within the connect timeout, it is lost. */
  readonly pingIntervalMs?: number;
}

export interface EventNotifications {
  stop(): Promise<void>;
}

/** The wait before the next reconnect, after `failures` failed attempts in a row: doubling, capped. */
export function reconnectDelay(failures: number, firstMs: number, maxMs: number): number {
  return cappedBackoff(failures + 1, firstMs, maxMs);
}

export async function startEventNotifications(options: EventNotificationOptions): Promise<EventNotifications> {
  const { channels, pool } = options;
  const firstDelay = options.reconnectDelayMs ?? 1000;
  const maxDelay = options.maxReconnectDelayMs ?? 30_000;
  const answerWithinMs = options.timeouts?.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const report = (error: unknown) => options.onError?.(error instanceof Error ? error : new Error(String(error)));
  let client: pg.Client | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  let failures = 0;

  const readEvent = async (id: number): Promise<StoredEvent | undefined> => {
    const { rows } = await pool.query<{ id: number; delivery_id: string; received_at: number; event: string }>(
      'SELECT id, delivery_id, received_at, event FROM events WHERE id = $1',
      [id],
    );
    const row = rows[0];
    return (
      row && {
        id: row.id,
        deliveryId: row.delivery_id,
        receivedAt: row.received_at,
        event: JSON.parse(row.event) as StoredEvent['event'],
      }
    );
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
      ...connectionConfig(options.url, options.timeouts),
      application_name: `claude-hooks-listen${options.schema ? `-${options.schema}` : ''}`,
    });
    next.on('notification', onNotification);
    next.on('error', (error) => lost(next, error));
    next.on('end', () => lost(next, new Error('the listening connection was closed')));
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

  const lost = (which: pg.Client, error: Error) => {
    if (client !== which) return;
    client = undefined;
    which.removeAllListeners('end');
    void which.end().catch(() => undefined);
    if (stopped) return;
    report(error);
    scheduleReconnect();
  };

  const scheduleReconnect = () => {
    if (stopped || retry) return;
    retry = setTimeout(
      () => {
        retry = undefined;
        connect().then(
          () => {
            failures = 0;
            // Whatever changed while nobody listened: have the dispatcher look.
            if (!stopped) options.onJobsChanged();
          },
          (error: unknown) => {
            failures += 1;
            if (!stopped) report(error);
            scheduleReconnect();
          },
        );
      },
      reconnectDelay(failures, firstDelay, maxDelay),
    );
    retry.unref();
  };

  // A connection that died without a word (no FIN, no RST) is found by asking it something.
  let pinging = false;
  const ping = async () => {
    const current = client;
    if (!current || pinging) return;
    pinging = true;
    try {
      await answeredWithin(current.query('SELECT 1'), answerWithinMs);
    } catch (error) {
      lost(current, error as Error);
    } finally {
      pinging = false;
    }
  };
  const pings = setInterval(() => void ping(), options.pingIntervalMs ?? 30_000);
  pings.unref();

  try {
    await connect();
  } catch (error) {
    clearInterval(pings);
    throw error;
  }
  return {
    async stop() {
      stopped = true;
      clearInterval(pings);
      if (retry) clearTimeout(retry);
      const current = client;
      client = undefined;
      if (current) await endWithin(current, answerWithinMs);
    },
  };
}

/** Ends the connection politely; one that does not answer (the database stalls) is cut, so a shutdown never waits for it. */
async function endWithin(which: pg.Client, ms: number): Promise<void> {
  await answeredWithin(which.end(), ms).catch(() => which.connection.stream.destroy());
}

function answeredWithin<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the listening connection did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

function splitPayload(payload: string): [string, string] {
  const at = payload.indexOf(':');
  return at < 0 ? [payload, ''] : [payload.slice(0, at), payload.slice(at + 1)];
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

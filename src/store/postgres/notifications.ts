/** STUB — replaced by LISTEN/NOTIFY of committed events (helper pg-core). */
import type { EventListener } from '../../intake/ports.js';
import type { Pool } from './pool.js';

export interface EventNotificationOptions {
  readonly url: string;
  readonly schema?: string;
  readonly pool: Pool;
  /** Told of events committed by other processes on the same database (and schema). */
  readonly onEvent: EventListener;
}

export async function startEventNotifications(_options: EventNotificationOptions): Promise<{ stop(): Promise<void> }> {
  throw new Error('not implemented yet');
}

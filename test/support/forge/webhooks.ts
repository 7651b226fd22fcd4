/**
 * Webhook deliveries the way Forgejo and Gitea send them: pretty-printed JSON (two-space indent),
 * the header set of `services/webhook/shared/payloader.go` (Forgejo) or `deliver.go` (Gitea),
 * HMAC-SHA256 of the exact body as bare hex, one attempt with a 5-second timeout and no retry.
 * Deliveries go out one at a time in the order the changes happened, off the caller's path (the
 * forge answers the API call first); `idle()` waits until everything queued has been tried.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { coarseEventOf, type HookEventType } from './payloads.js';
import type { Json } from './render.js';
import type { ForgeState } from './state.js';

export type ForgeFlavour = 'forgejo' | 'gitea';

export interface WebhookDelivery {
  /** The delivery UUID (`x-gitea-delivery`). */
  readonly id: string;
  readonly eventType: HookEventType;
  /** The coarse event header (`x-gitea-event`). */
  readonly event: string;
  readonly payload: Json;
  /** The exact bytes sent. */
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly url: string | undefined;
  /** `not-sent` when no webhook URL was set; `failed` for a non-2xx answer, an error or a timeout. */
  status: 'pending' | 'delivered' | 'failed' | 'not-sent';
  responseStatus?: number;
  error?: string;
}

/** A webhook made through the API: where its deliveries go and how they are signed. */
export interface HookTarget {
  readonly hookId: number;
  readonly url: string;
  readonly secret: string;
  readonly contentType: string;
}

export interface WebhookSender {
  /** Sends to the repository's API-made hooks that take the event, or else to the one set URL; returns the first delivery. */
  emit(eventType: HookEventType, payload: Json): WebhookDelivery;
  /** One delivery to one hook whatever its events (`POST /repos/{o}/{r}/hooks/{id}/tests`). */
  sendTo(target: HookTarget, eventType: HookEventType, payload: Json): WebhookDelivery;
  setUrl(url: string | undefined): void;
  deliveries(): readonly WebhookDelivery[];
  /** Resolves once every delivery emitted so far (and any emitted meanwhile) has been tried. */
  idle(): Promise<void>;
}

export interface WebhookSenderOptions {
  readonly url?: string;
  readonly secret: string;
  readonly flavour: ForgeFlavour;
  /** `[webhook] DELIVER_TIMEOUT`; tests of the timeout shorten it. */
  readonly timeoutMs?: number;
  /**
   * The API-made hooks of the payload's repository that take `eventType` (active ones only);
   * undefined when the repository has none, so deliveries go to the set URL as before.
   */
  readonly hooksFor?: (eventType: HookEventType, payload: Json) => readonly HookTarget[] | undefined;
}

export function createWebhookSender(options: WebhookSenderOptions): WebhookSender {
  let url = options.url;
  const sent: WebhookDelivery[] = [];
  let queue: Promise<void> = Promise.resolve();
  const timeoutMs = options.timeoutMs ?? 5000;

  function enqueue(
    eventType: HookEventType,
    payload: Json,
    target: string | undefined,
    secret: string,
    contentType: string,
  ): WebhookDelivery {
    const id = randomUUID();
    const body = JSON.stringify(payload, null, 2);
    const headers = {
      ...deliveryHeaders({ id, eventType, body, secret, flavour: options.flavour }),
      'content-type': contentType,
    };
    const delivery: WebhookDelivery = {
      id,
      eventType,
      event: coarseEventOf(eventType),
      payload,
      body,
      headers,
      url: target,
      status: 'pending',
    };
    sent.push(delivery);
    queue = queue.then(() => deliver(delivery, timeoutMs));
    return delivery;
  }

  return {
    emit(eventType, payload) {
      const targets = options.hooksFor?.(eventType, payload);
      if (targets === undefined) return enqueue(eventType, payload, url, options.secret, 'application/json');
      const made = targets.map((target) => enqueue(eventType, payload, target.url, target.secret, target.contentType));
      // A repository whose hooks all skip this event sends nothing; the record says so.
      return made[0] ?? enqueue(eventType, payload, undefined, '', 'application/json');
    },
    sendTo: (target, eventType, payload) => enqueue(eventType, payload, target.url, target.secret, target.contentType),
    setUrl(next) {
      url = next;
    },
    deliveries: () => sent,
    async idle() {
      let current: Promise<void>;
      do {
        current = queue;
        await current;
      } while (current !== queue);
    },
  };
}

export function deliveryHeaders(input: {
  id: string;
  eventType: HookEventType;
  body: string;
  secret: string;
  flavour: ForgeFlavour;
}): Record<string, string> {
  const event = coarseEventOf(input.eventType);
  // With no secret the forge sends the signature headers empty (and `sha256=` / `sha1=` bare).
  const sha256 = input.secret === '' ? '' : createHmac('sha256', input.secret).update(input.body).digest('hex');
  const sha1 = input.secret === '' ? '' : createHmac('sha1', input.secret).update(input.body).digest('hex');
  const copies = (prefix: string): Record<string, string> => ({
    [`${prefix}-delivery`]: input.id,
    [`${prefix}-event`]: event,
    [`${prefix}-event-type`]: input.eventType,
    [`${prefix}-signature`]: sha256,
  });
  return {
    'content-type': 'application/json',
    'user-agent': 'Go-http-client/1.1',
    ...(input.flavour === 'forgejo' ? copies('x-forgejo') : {}),
    ...copies('x-gitea'),
    ...copies('x-gogs'),
    'x-hub-signature': `sha1=${sha1}`,
    'x-hub-signature-256': `sha256=${sha256}`,
    'x-github-delivery': input.id,
    'x-github-event': event,
    'x-github-event-type': input.eventType,
  };
}

async function deliver(delivery: WebhookDelivery, timeoutMs: number): Promise<void> {
  if (delivery.url === undefined) {
    delivery.status = 'not-sent';
    return;
  }
  try {
    const response = await fetch(delivery.url, {
      method: 'POST',
      headers: delivery.headers,
      body: delivery.body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.arrayBuffer();
    delivery.responseStatus = response.status;
    delivery.status = response.status >= 200 && response.status < 300 ? 'delivered' : 'failed';
  } catch (error) {
    delivery.status = 'failed';
    delivery.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }
}

/** The hook event a delivery of `eventType` is sent for (Gitea groups the three review kinds). */
export function hookEventOf(eventType: HookEventType): string {
  return /^pull_request_review_(approved|rejected|comment)$/.test(eventType) ? 'pull_request_review' : eventType;
}

/** The active API-made hooks of the payload's repository (and of its organisation) that take `eventType`; undefined when there are none. */
export function hooksFor(state: ForgeState, eventType: HookEventType, payload: Json): HookTarget[] | undefined {
  const repository = payload.repository;
  const fullName: unknown =
    typeof repository === 'object' && repository !== null
      ? (repository as Record<string, unknown>).full_name
      : undefined;
  if (typeof fullName !== 'string') return undefined;
  const owner = fullName.split('/')[0]?.toLowerCase() ?? '';
  const mine = [
    ...state.hooks.filter((hook) => hook.repo.toLowerCase() === fullName.toLowerCase()),
    ...state.orgHooks.filter((hook) => hook.repo.toLowerCase() === owner),
  ];
  if (mine.length === 0) return undefined;
  const event = hookEventOf(eventType);
  return mine
    .filter((hook) => hook.active && hook.events.includes(event))
    .map((hook) => ({ hookId: hook.id, url: hook.url, secret: hook.secret, contentType: hook.contentType }));
}

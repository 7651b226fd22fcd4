/**
 * The webhook intake as a function of (headers, raw body): identify the forge, verify the
 * signature, parse, normalise, store durably. It knows nothing of HTTP; the route maps each
 * outcome to a status code once. No work happens here — dispatch picks stored events up.
 */
import type { ForgeEvent, ForgeKind } from '../core/events.js';
import { readDeliveryHeaders, type DeliveryHeaders, type HeaderProblem } from '../forge/webhook/headers.js';
import { normalise } from '../forge/webhook/normalise.js';
import { BODY_FIELD } from '../forge/webhook/payload-problem.js';
import type { Clock } from '../lib/clock.js';
import type { Result } from '../lib/result.js';
import type { Secret } from '../lib/secret.js';
import { MAX_JSON_DEPTH, nestsDeeperThan } from './json-depth.js';
import type { DeliveryStore } from './ports.js';
import { signatureMatches } from './verify-signature.js';

export type RejectionReason = 'bad-headers' | 'unsigned' | 'bad-signature' | 'not-json' | 'bad-payload';

export type IntakeOutcome =
  | { readonly kind: 'accepted'; readonly deliveryId: string; readonly eventId: number; readonly event: ForgeEvent }
  | {
      readonly kind: 'ignored';
      readonly deliveryId: string;
      readonly forge: ForgeKind;
      readonly eventType: string;
      readonly reason: string;
    }
  | {
      readonly kind: 'duplicate';
      readonly deliveryId: string;
      readonly forge: ForgeKind;
      readonly eventType: string;
      /** Set when another delivery carried the same change. */
      readonly originalDeliveryId?: string;
    }
  | {
      readonly kind: 'rejected';
      readonly reason: RejectionReason;
      readonly message: string;
      readonly forge?: ForgeKind;
      readonly eventType?: string;
      /** The offending field, for `bad-payload`. */
      readonly field?: string;
    };

export interface IntakeOptions {
  readonly secret: Secret;
  readonly store: DeliveryStore;
  readonly clock: Clock;
  /**
   * The configured forge URL (`forge.url`): an event's repository must be on it and its clone URL
   * is built from it, never taken from the payload (see `toRepo`).
   */
  readonly forgeUrl?: string;
  /** Name of the setting that holds the secret, for error messages. */
  readonly secretSetting?: string;
}

/** What `readDeliveryHeaders` made of a request's headers. */
export type HeaderReading = Result<DeliveryHeaders, HeaderProblem>;

/**
 * `read` is `readDeliveryHeaders(headers)` when the caller has it already (the route reads the
 * headers once, when the request arrives); without it the headers are read here.
 */
export type AcceptDelivery = (
  headers: Readonly<Record<string, string | string[] | undefined>>,
  body: Buffer,
  read?: HeaderReading,
) => Promise<IntakeOutcome>;

/** Headers kept with a stored delivery: enough to replay or audit it, never the signature. */
const KEPT_HEADERS = new Set(
  ['forgejo', 'gitea', 'github']
    .flatMap((forge) =>
      ['delivery', 'event', 'event-type', 'hook-id', 'hook-installation-target-type'].map(
        (name) => `x-${forge}-${name}`,
      ),
    )
    .concat(['content-type', 'user-agent']),
);

export function createAcceptDelivery(options: IntakeOptions): AcceptDelivery {
  const secretSetting = options.secretSetting ?? 'CLAUDE_HOOKS_WEBHOOK_SECRET (forge.webhookSecret)';

  return async (headers, body, given) => {
    const read = given ?? readDeliveryHeaders(headers);
    if (!read.ok) return { kind: 'rejected', reason: 'bad-headers', message: read.error.message };
    const delivery = read.value;
    const context = { forge: delivery.forge, eventType: delivery.eventType };

    if (delivery.signature === undefined || delivery.signature === '') {
      return {
        kind: 'rejected',
        reason: 'unsigned',
        ...context,
        message: `delivery is not signed: the ${delivery.signatureHeader} header is missing or empty; set the webhook's secret in the forge to the value of ${secretSetting}`,
      };
    }
    if (!signatureMatches(options.secret.reveal(), body, delivery.signature)) {
      return {
        kind: 'rejected',
        reason: 'bad-signature',
        ...context,
        message: `webhook signature does not match: ${delivery.signatureHeader} was compared with the HMAC-SHA256 of the raw body; check that the secret configured in the forge equals ${secretSetting}, and that nothing between the forge and this service rewrites the body`,
      };
    }

    if (nestsDeeperThan(body, MAX_JSON_DEPTH)) {
      return {
        kind: 'rejected',
        reason: 'bad-payload',
        ...context,
        field: BODY_FIELD,
        message: `payload nests arrays or objects more than ${MAX_JSON_DEPTH} levels deep; no forge sends that, so it was not parsed`,
      };
    }

    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch (error) {
      const detail = body.length === 0 ? 'the body is empty' : (error as Error).message;
      return {
        kind: 'rejected',
        reason: 'not-json',
        ...context,
        message: `body is not JSON (${detail}); set the webhook's content type to application/json`,
      };
    }

    const normalised = normalise({
      forge: delivery.forge,
      eventType: delivery.eventType,
      body: json,
      forgeUrl: options.forgeUrl,
    });
    if (!normalised.ok) {
      const { field, message } = normalised.error;
      return {
        kind: 'rejected',
        reason: 'bad-payload',
        ...context,
        field,
        message: `payload does not fit a '${delivery.eventType}' event: ${field}: ${message}`,
      };
    }

    const outcome =
      normalised.value.kind === 'event'
        ? ({ kind: 'event', event: normalised.value.event } as const)
        : ({ kind: 'ignored', reason: normalised.value.reason } as const);
    const result = await options.store.record({
      deliveryId: delivery.deliveryId,
      source: 'webhook',
      forge: delivery.forge,
      eventType: delivery.eventType,
      receivedAt: options.clock.now(),
      headers: keptHeaders(headers),
      body,
      outcome,
    });

    switch (result.status) {
      case 'accepted':
        return {
          kind: 'accepted',
          deliveryId: delivery.deliveryId,
          eventId: result.eventId,
          event: (outcome as { event: ForgeEvent }).event,
        };
      case 'ignored':
        return {
          kind: 'ignored',
          deliveryId: delivery.deliveryId,
          ...context,
          reason: (outcome as { reason: string }).reason,
        };
      case 'duplicate-delivery':
        return { kind: 'duplicate', deliveryId: delivery.deliveryId, ...context };
      case 'duplicate-event':
        return {
          kind: 'duplicate',
          deliveryId: delivery.deliveryId,
          ...context,
          originalDeliveryId: result.originalDeliveryId,
        };
    }
  };
}

function keptHeaders(headers: Readonly<Record<string, string | string[] | undefined>>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || !KEPT_HEADERS.has(name.toLowerCase())) continue;
    kept[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return kept;
}

/**
 * Which forge sent a delivery, which delivery it is, what to dispatch on and which signature to
 * check — read from the request headers alone.
 *
 * Detection: any `x-forgejo-*` header means Forgejo, else any `x-gitea-*` header means Gitea,
 * else `x-github-*` means GitHub. Order matters: Forgejo also sends the `x-gitea-*` copies, and
 * both send `x-github-*` copies (with the coarse event in `x-github-event`, which would dispatch
 * a review comment as a conversation comment). Node lower-cases header names; this does too.
 *
 * `eventType` is the event-type header (`x-forgejo-event-type`, `x-gitea-event-type`). Older
 * Gitea sent only the coarse event header; then `eventType` is derived from it,
 * undoing the three names where the two disagree (`pull_request_approved` →
 * `pull_request_review_approved`, …). For GitHub it is `x-github-event`.
 */
import type { ForgeKind } from '../../core/events.js';
import { err, ok, type Result } from '../../lib/result.js';

export type HeaderMap = Readonly<Record<string, string | readonly string[] | undefined>>;

export interface DeliveryHeaders {
  readonly forge: ForgeKind;
  readonly deliveryId: string;
  /** The value to dispatch on; see above. */
  readonly eventType: string;
  /** The coarse event header as sent (`x-forgejo-event`, `x-gitea-event`, `x-github-event`). */
  readonly event: string;
  /** Name of the header the signature came from, for messages. */
  readonly signatureHeader: string;
  /** Bare hex (GitHub's `sha256=` prefix stripped); '' or undefined when the delivery is unsigned. */
  readonly signature: string | undefined;
}

export type HeaderProblem =
  | { readonly kind: 'unknown-sender'; readonly message: string }
  | { readonly kind: 'missing-header'; readonly forge: ForgeKind; readonly header: string; readonly message: string };

interface ForgeHeaders {
  readonly forge: ForgeKind;
  readonly prefix: string;
  readonly name: string;
  readonly signatureHeader: string;
}

const FORGES: readonly ForgeHeaders[] = [
  { forge: 'forgejo', prefix: 'x-forgejo-', name: 'Forgejo', signatureHeader: 'x-forgejo-signature' },
  { forge: 'gitea', prefix: 'x-gitea-', name: 'Gitea', signatureHeader: 'x-gitea-signature' },
  { forge: 'github', prefix: 'x-github-', name: 'GitHub', signatureHeader: 'x-hub-signature-256' },
];

/** Gitea's coarse event names that differ from the event type they stand for. */
const EVENT_TYPE_OF_LEGACY_EVENT: Readonly<Record<string, string>> = {
  pull_request_approved: 'pull_request_review_approved',
  pull_request_rejected: 'pull_request_review_rejected',
  pull_request_comment: 'pull_request_review_comment',
};

export function readDeliveryHeaders(headers: HeaderMap): Result<DeliveryHeaders, HeaderProblem> {
  const lower = lowerCased(headers);
  const sender = FORGES.find((f) => Object.keys(lower).some((name) => name.startsWith(f.prefix)));
  if (sender === undefined) {
    return err({
      kind: 'unknown-sender',
      message:
        'not a webhook delivery: none of the x-forgejo-event, x-gitea-event or x-github-event headers is present; point only a Forgejo, Gitea or GitHub webhook at this URL',
    });
  }

  const deliveryId = lower[`${sender.prefix}delivery`];
  if (deliveryId === undefined || deliveryId === '') return missing(sender, 'delivery');
  const event = lower[`${sender.prefix}event`];
  if (event === undefined || event === '') return missing(sender, 'event');

  return ok({
    forge: sender.forge,
    deliveryId,
    eventType: eventTypeOf(sender, event, lower[`${sender.prefix}event-type`]),
    event,
    signatureHeader: sender.signatureHeader,
    signature: signatureOf(sender, lower[sender.signatureHeader]),
  });
}

function eventTypeOf(sender: ForgeHeaders, event: string, eventType: string | undefined): string {
  if (sender.forge === 'github') return event;
  if (eventType !== undefined && eventType !== '') return eventType;
  return (Object.hasOwn(EVENT_TYPE_OF_LEGACY_EVENT, event) ? EVENT_TYPE_OF_LEGACY_EVENT[event] : undefined) ?? event;
}

function signatureOf(sender: ForgeHeaders, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  return sender.forge === 'github' ? trimmed.replace(/^sha256=/i, '') : trimmed;
}

function missing(sender: ForgeHeaders, suffix: string): Result<never, HeaderProblem> {
  const header = `${sender.prefix}${suffix}`;
  return err({
    kind: 'missing-header',
    forge: sender.forge,
    header,
    message: `the ${header} header is missing or empty, though other ${sender.name} webhook headers are present; check that no proxy between the forge and this service drops it`,
  });
}

/** First value of each header, names lower-cased. */
function lowerCased(headers: HeaderMap): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const first = typeof value === 'string' ? value : value?.[0];
    if (first !== undefined) out[name.toLowerCase()] = first;
  }
  return out;
}

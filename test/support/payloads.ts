/**
 * The captured webhook deliveries in `test/fixtures/gitea/payloads/*.json`, as a
 * test or benchmark receives them: the raw body bytes and the headers the forge sends with them.
 *
 * The captures are bodies only, so the headers are made here, as current Gitea (or, with
 * `forge: 'forgejo'`, Forgejo) sends them — every copy included (`x-gogs-*`, `x-github-*`,
 * `x-hub-signature*`) so that forge detection is exercised for real. Each sample's event and
 * event-type header are listed below; a new capture must be added to the list.
 *
 * The captures live in the repository (test/fixtures/gitea/README.md says where they came from),
 * so a clone anywhere runs the tests; `CLAUDE_HOOKS_PAYLOADS_DIR` points at another folder of
 * captures instead (read here only).
 */
import { createHash, createHmac } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export type SampleForge = 'gitea' | 'forgejo' | 'github';

export interface SamplePayload {
  /** File name without `.json`: `gitea-issues-opened`. */
  readonly name: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  /** The coarse event header (`x-gitea-event`). */
  readonly event: string;
  /** The event-type header (`x-gitea-event-type`), which the service dispatches on. */
  readonly eventType: string;
}

export interface SampleOptions {
  /** Sign with this secret; without one the signature headers are empty, as the forge sends them. */
  readonly secret?: string;
  readonly forge?: Exclude<SampleForge, 'github'>;
}

const SAMPLES: Readonly<Record<string, { readonly event: string; readonly eventType: string }>> = {
  'gitea-delete-branch': { event: 'delete', eventType: 'delete' },
  'gitea-issue_comment-created': { event: 'issue_comment', eventType: 'issue_comment' },
  'gitea-issue_comment-created-on-pr': { event: 'issue_comment', eventType: 'pull_request_comment' },
  'gitea-issues-opened': { event: 'issues', eventType: 'issues' },
  'gitea-pull_request-closed-merged': { event: 'pull_request', eventType: 'pull_request' },
  'gitea-pull_request-review_requested': { event: 'pull_request', eventType: 'pull_request_review_request' },
  'gitea-pull_request-synchronized': { event: 'pull_request', eventType: 'pull_request_sync' },
  'gitea-pull_request_approved-reviewed': { event: 'pull_request_approved', eventType: 'pull_request_review_approved' },
};

export function payloadsDir(): string {
  const override = process.env.CLAUDE_HOOKS_PAYLOADS_DIR;
  if (override !== undefined && override !== '') return resolve(override);
  return resolve(fileURLToPath(new URL('.', import.meta.url)), '../fixtures/gitea/payloads');
}

/** Every captured delivery, sorted by name. */
export function loadSamplePayloads(options: SampleOptions = {}): SamplePayload[] {
  const names = readdirSync(payloadsDir())
    .filter((file) => file.endsWith('.json'))
    .map((file) => file.slice(0, -'.json'.length))
    .sort();
  return names.map((name) => loadSamplePayload(name, options));
}

export function loadSamplePayload(name: string, options: SampleOptions = {}): SamplePayload {
  const known = SAMPLES[name];
  if (known === undefined) {
    throw new Error(
      `no headers known for the sample '${name}': add its event and event type to SAMPLES in test/support/payloads.ts`,
    );
  }
  const body = readFileSync(join(payloadsDir(), `${name}.json`));
  const deliveryId = deliveryIdFor(name);
  const headers = deliveryHeaders({
    forge: options.forge ?? 'gitea',
    deliveryId,
    body,
    ...known,
    ...(options.secret === undefined ? {} : { secret: options.secret }),
  });
  return { name, headers, body, ...known };
}

export interface HeaderSpec {
  readonly forge: SampleForge;
  readonly deliveryId: string;
  readonly event: string;
  /** Ignored for GitHub, which has no event-type header. */
  readonly eventType?: string;
  readonly body: Buffer | string;
  readonly secret?: string;
}

/** The headers a forge sends with a delivery; for making replays (same body, new id) and variants. */
export function deliveryHeaders(spec: HeaderSpec): Record<string, string> {
  const sha256 = spec.secret === undefined ? '' : createHmac('sha256', spec.secret).update(spec.body).digest('hex');
  const sha1 = spec.secret === undefined ? '' : createHmac('sha1', spec.secret).update(spec.body).digest('hex');
  const common = { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${sha256}` };
  if (spec.forge === 'github') {
    return {
      ...common,
      'user-agent': 'GitHub-Hookshot/0000000',
      'x-github-delivery': spec.deliveryId,
      'x-github-event': spec.event,
      'x-hub-signature': `sha1=${sha1}`,
    };
  }
  const eventType = spec.eventType ?? spec.event;
  const copies = spec.forge === 'forgejo' ? ['forgejo', 'gitea', 'gogs'] : ['gitea', 'gogs'];
  const headers: Record<string, string> = {
    ...common,
    'user-agent': 'Go-http-client/1.1',
    'x-hub-signature': `sha1=${sha1}`,
  };
  for (const copy of copies) {
    headers[`x-${copy}-delivery`] = spec.deliveryId;
    headers[`x-${copy}-event`] = spec.event;
    headers[`x-${copy}-event-type`] = eventType;
    headers[`x-${copy}-signature`] = sha256;
  }
  return {
    ...headers,
    'x-github-delivery': spec.deliveryId,
    'x-github-event': spec.event,
    'x-github-event-type': eventType,
  };
}

/** A stable UUID-shaped id per sample, so repeated runs store the same delivery. */
export function deliveryIdFor(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

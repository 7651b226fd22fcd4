/**
 * What every payload handler shares: its signature, the outcome it drafts (an event still
 * without its fingerprint, or a deliberate "ignored"), and the two steps each one starts with —
 * reading the action, and reading the repository and sender every event carries.
 */
import type { ForgeKind, RepoRef, UserRef } from '../../core/events.js';
import { err, ok, type Result } from '../../lib/result.js';
import type { UnfingerprintedEvent } from './fingerprint.js';
import { parsePayload, type PayloadProblem } from './payload-problem.js';
import { toRepo, toUser } from './refs.js';
import { ActionOnly, type RepositoryData, type UserData } from './schema.js';

export interface HandlerContext {
  readonly forge: ForgeKind;
  /** The value dispatched on: the event-type header (Forgejo/Gitea) or `x-github-event`. */
  readonly eventType: string;
  /** The configured forge URL (`forge.url`): repositories are on it, clone URLs are built from it. */
  readonly forgeUrl?: string;
}

export type Draft =
  | { readonly kind: 'event'; readonly event: UnfingerprintedEvent }
  | { readonly kind: 'ignored'; readonly reason: string };

export type Handler = (body: unknown, context: HandlerContext) => Result<Draft, PayloadProblem>;

export type Drafted = Result<Draft, PayloadProblem>;

export const drafted = (event: UnfingerprintedEvent): Drafted => ok({ kind: 'event', event });

export const ignored = (reason: string): Drafted => ok({ kind: 'ignored', reason });

/**
 * The project's name for the payload's `action`, or the reason it is ignored. Looked up before
 * the rest of the payload is judged, so an action we do not handle never fails on its shape.
 */
export function pickAction<A extends string>(
  body: unknown,
  context: HandlerContext,
  actions: Readonly<Record<string, A>>,
): Result<{ readonly action: A } | { readonly ignored: string }, PayloadProblem> {
  const read = parsePayload(ActionOnly, body);
  if (!read.ok) return err(read.error);
  const { action } = read.value;
  const mapped = Object.hasOwn(actions, action) ? actions[action] : undefined;
  if (mapped === undefined)
    return ok({ ignored: `action '${action}' of event type '${context.eventType}' is not handled` });
  return ok({ action: mapped });
}

export interface EventBase {
  readonly forge: ForgeKind;
  readonly repo: RepoRef;
  readonly actor: UserRef;
}

export function eventBase(
  payload: { repository: RepositoryData; sender: UserData },
  context: HandlerContext,
): Result<EventBase, PayloadProblem> {
  const repo = toRepo(payload.repository, context.forgeUrl);
  if (!repo.ok) return repo;
  return ok({ forge: context.forge, repo: repo.value, actor: toUser(payload.sender) });
}

/**
 * A webhook delivery's parsed JSON body → one `ForgeEvent`, or a deliberate "ignored".
 *
 * Contract: dispatch is on `eventType` as `readDeliveryHeaders` gives it (the event-TYPE header
 * for Forgejo/Gitea, `x-github-event` for GitHub), per `forge-handlers.ts`. An event type or
 * action the service does not act on (`release`, `create`, a comment deletion, GitHub
 * `check_run`, `ping`, …) is `ignored` with a reason, before its body is judged. A handled one
 * whose body does not fit is a `PayloadProblem` naming the field. The result carries its
 * fingerprint (`fingerprint.ts`). Pure: no I/O, no clock.
 *
 * Check results — commit statuses, Actions workflow runs and jobs, Forgejo's `action_run_*` — are
 * `check` events (`check-handlers.ts`), pending ones included; GitHub's `check_run` stays ignored,
 * its Actions results arriving as `workflow_run`/`workflow_job` too.
 *
 * Headers of one forge with the body of another: Forgejo/Gitea copied GitHub's payloads, so a
 * mismatch mostly still reads correctly or lands on an unhandled action or event type (a Gitea
 * review under GitHub's `pull_request` has action `reviewed`: ignored). Where a field the other
 * forge lacks is needed, it is a `PayloadProblem` naming it.
 */
import type { ForgeEvent, ForgeKind } from '../../core/events.js';
import { ok, type Result } from '../../lib/result.js';
import { fingerprintOf } from './fingerprint.js';
import { handlerFor } from './forge-handlers.js';
import type { PayloadProblem } from './payload-problem.js';

export type { PayloadProblem } from './payload-problem.js';

export interface NormaliseInput {
  readonly forge: ForgeKind;
  readonly eventType: string;
  /** The body, already parsed from JSON. */
  readonly body: unknown;
  /**
   * The configured forge URL: an event's repository must be on it, and its clone URL is built
   * from it. When absent, the host and clone URL are the payload's own (see `toRepo`).
   */
  readonly forgeUrl?: string | undefined;
}

export type Normalised =
  | { readonly kind: 'event'; readonly event: ForgeEvent }
  | { readonly kind: 'ignored'; readonly reason: string };

export function normalise(input: NormaliseInput): Result<Normalised, PayloadProblem> {
  const handler = handlerFor(input.forge, input.eventType);
  if (handler === undefined) return ok({ kind: 'ignored', reason: `event type '${input.eventType}' is not handled` });

  const context = {
    forge: input.forge,
    eventType: input.eventType,
    ...(input.forgeUrl === undefined ? {} : { forgeUrl: input.forgeUrl }),
  };
  const drafted = handler(input.body, context);
  if (!drafted.ok) return drafted;
  if (drafted.value.kind === 'ignored') return ok(drafted.value);

  const { event } = drafted.value;
  return ok({ kind: 'event', event: { ...event, fingerprint: fingerprintOf(event) } });
}

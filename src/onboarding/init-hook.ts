/**
 * init's webhook step, for one repository or organisation: a hook to `<publicUrl>/webhook`, json,
 * the secret, active, sending the events the service needs and the check events of the forge kind
 * (`hook-events.ts`). A wrong URL, content type, secret or a needed event missing is repaired; the
 * check events are added where the forge's API can (Gitea), and where it cannot (Forgejo, on a hook
 * that exists) or does not have them (an older forge) init says so and goes on: without them the
 * poller's catch-up still reads the checks, later.
 */
import { ForgeApiError } from '../forge/client.js';
import {
  checkEventsOf,
  HOOK_EVENTS,
  hookEventsFor,
  missingCheckEvents,
  missingHookEvents,
  type HookForgeKind,
} from './hook-events.js';
import { readSecretFile, webhookSecretFileOf, type InitLayout } from './init-files.js';
import type { Step } from './plan.js';
import { describeHookOwner, type ForgeHook, type HookOwner, type OnboardingForge } from './ports.js';

export interface HookStepDeps {
  readonly admin: OnboardingForge;
  /** `<publicUrl>/webhook`. */
  readonly hookUrl: string;
  readonly forgeKind: HookForgeKind;
  readonly layout: InitLayout;
  /** Whether this run generated a new webhook secret, which every hook must then be given. */
  secretReplaced(): boolean;
}

const LATER = "the poller's catch-up reads the checks instead, later";

export function hookStep(owner: HookOwner, deps: HookStepDeps): Step {
  const { admin, hookUrl, forgeKind } = deps;
  const checks = checkEventsOf(forgeKind);
  let found: ForgeHook | undefined;

  /** What a repair would change on `hook`; empty when it is right. */
  const changesTo = (hook: ForgeHook): string[] => {
    const changes = hookDrift(hook, hookUrl);
    if (deps.secretReplaced()) changes.push('a new secret');
    const missing = missingCheckEvents(hook.events, forgeKind);
    if (missing.length > 0 && checks.setOnEdit) changes.push(`missing check events ${missing.join(', ')}`);
    return changes;
  };

  return {
    title: `webhook on ${describeHookOwner(owner)}`,
    async check() {
      found = ourHook(await admin.hooks(owner), hookUrl);
      if (found === undefined)
        return {
          ok: false,
          needs: `create a webhook to ${hookUrl} (application/json, the secret, ${HOOK_EVENTS.length} events and the check events ${checks.events.join(', ')}, active)`,
        };
      const changes = changesTo(found);
      if (changes.length > 0) return { ok: false, needs: `repair webhook ${found.id}: ${changes.join('; ')}` };
      const missing = missingCheckEvents(found.events, forgeKind);
      const note = `${hookUrl}, ${HOOK_EVENTS.length} events, active`;
      return {
        ok: true,
        note: missing.length === 0 ? `${note}, and the check events` : `${note}; ${notSetOnEdit(missing)}`,
      };
    },
    async change() {
      const secret = await readSecretFile(webhookSecretFileOf(deps.layout));
      if (secret === undefined) throw new Error(`no webhook secret in ${webhookSecretFileOf(deps.layout)}`);
      const before = found;
      const done =
        before === undefined
          ? `created a webhook to ${hookUrl}`
          : `repaired webhook ${before.id}: ${changesTo(before).join('; ')}`;
      const write = (events: readonly string[]): Promise<void> => {
        const spec = { url: hookUrl, secret, events };
        return before === undefined ? admin.createHook(owner, spec) : admin.repairHook(owner, before.id, spec);
      };
      const refusal = await withoutChecksIfRefused(write, forgeKind);
      if (refusal !== undefined)
        return `${done}; the forge refused the check events (${refusal}), so the hook sends the needed events only: add ${checks.events.join(', ')} in its settings once the forge has them; until then ${LATER}`;
      // The forges drop the names they do not have without a word: only the hook read back tells.
      const missing = missingCheckEvents(ourHook(await admin.hooks(owner), hookUrl)?.events ?? [], forgeKind);
      if (missing.length === 0) return done;
      if (before !== undefined && !checks.setOnEdit) return `${done}; ${notSetOnEdit(missing)}`;
      return `${done}; the forge did not take the check events ${missing.join(', ')}: it does not have them (an older ${forgeKind}, or not ${forgeKind} at all: check --kind), so ${LATER}`;
    },
  };
}

/**
 * Writes the hook with the check events, and again without them should the forge refuse the
 * first (422). Neither Gitea nor Forgejo refuses a name it does not have — both drop it — but a
 * forge that validates them would, and the needed events must not wait on the optional ones.
 * Answers the refusal, when there was one.
 */
async function withoutChecksIfRefused(
  write: (events: readonly string[]) => Promise<void>,
  kind: HookForgeKind,
): Promise<string | undefined> {
  try {
    await write(hookEventsFor(kind));
    return undefined;
  } catch (error) {
    if (!(error instanceof ForgeApiError) || error.status !== 422) throw error;
    await write(HOOK_EVENTS);
    return `${error.status}: ${error.body.slice(0, 200)}`;
  }
}

function notSetOnEdit(missing: readonly string[]): string {
  return `without the check events ${missing.join(', ')}, which Forgejo's API sets only on a new hook: tick them in the hook's settings (docs/forge-setup.md, "The webhook"); until then ${LATER}`;
}

/** Ours points at the URL, or (moved service) at some other `/webhook`. */
function ourHook(hooks: readonly ForgeHook[], url: string): ForgeHook | undefined {
  return hooks.find((hook) => hook.url === url) ?? hooks.find((hook) => /\/webhook\/?$/.test(hook.url));
}

/** What is wrong with our hook, in words; empty when nothing. The check events are not asked for here. */
export function hookDrift(hook: ForgeHook, url: string): string[] {
  const drift: string[] = [];
  if (hook.url !== url) drift.push(`URL ${hook.url} instead of ${url}`);
  if (hook.contentType !== 'json') drift.push(`content type ${hook.contentType} instead of json`);
  const missing = missingHookEvents(hook.events);
  if (missing.length > 0) drift.push(`missing events ${missing.join(', ')}`);
  if (!hook.active) drift.push('inactive');
  return drift;
}

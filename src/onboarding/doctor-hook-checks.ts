/**
 * doctor's check of the webhook's check events (`hook-events.ts`): a hook without them is a
 * warning, not a ✗ — the pull watch still learns a failing check from the poller's catch-up, which
 * reads the watched heads' statuses every `dispatch.pollIntervalSeconds`, only later than a
 * webhook would have told it.
 */
import type { CheckResult, DoctorCheck, FoundHook } from './doctor-checks.js';
import { checkEventsOf, missingCheckEvents, type HookForgeKind } from './hook-events.js';
import { describeHookOwner } from './ports.js';

const warning = (detail: string, fix: string): CheckResult => ({ ok: true, detail: `warning: ${detail}`, fix });

export function checkEventsCheck(
  repo: string,
  kind: HookForgeKind,
  ourHook: (repo: string) => Promise<FoundHook | undefined>,
): DoctorCheck {
  const { events, setOnEdit } = checkEventsOf(kind);
  return {
    title: `webhook on ${repo} sends the check events (${events.join(', ')})`,
    async run() {
      const hook = await ourHook(repo);
      // The checks above say so, with their fix.
      if (hook === undefined) return { ok: true, detail: 'no webhook to the service (see above)' };
      const missing = missingCheckEvents(hook.events, kind);
      const where = `hook ${hook.id} of ${describeHookOwner(hook.owner)}`;
      if (missing.length === 0) return { ok: true, detail: where };
      return warning(
        `${where} does not send ${missing.join(', ')}: a failing check reaches dev only when the poller's catch-up reads the statuses (every dispatch.pollIntervalSeconds)`,
        setOnEdit
          ? `tick them in the forge's webhook settings (an older ${kind} may not have them), or run \`claude-hooks init\` again, which adds them`
          : `tick them in the forge's webhook settings (its API sets them only on a new hook; an older ${kind} may not have them)`,
      );
    },
  };
}

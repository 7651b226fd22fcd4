/**
 * The service's isolation at start-up: with `bwrap`, a sandbox must be possible here before any
 * agent runs — when it is not, agents do not run (their jobs fail saying why and how to fix it,
 * and `/readyz` fails) rather than run unconfined. With `none`, runs go unsandboxed, and the
 * service says so.
 */
import type { Logger } from '../lib/logger.js';
import { createIsolation, type Isolation, type IsolationOptions } from './isolation.js';
import { probeSandbox, type SandboxProbe } from './probe.js';

export interface StartedIsolation {
  readonly isolation: Isolation;
  /** Why no agent may run (no working sandbox), with the fix; undefined when they may. */
  readonly unavailable: string | undefined;
}

export async function startIsolation(
  options: IsolationOptions & { readonly probe?: () => Promise<SandboxProbe>; readonly agentsRun: boolean },
): Promise<StartedIsolation> {
  const isolation = createIsolation(options);
  if (options.kind === 'none') {
    if (options.agentsRun) warnNone(options.log);
    return { isolation, unavailable: undefined };
  }
  if (!options.agentsRun) return { isolation, unavailable: undefined };
  const probe = await (options.probe ?? (() => probeSandbox({ bwrap: options.bwrap, env: options.env })))();
  if (probe.ok) {
    options.log.info({ sandbox: probe.detail }, 'agent runs are sandboxed (isolation: bwrap)');
    return { isolation, unavailable: undefined };
  }
  const unavailable = `no agent runs: isolation is bwrap but ${probe.problem}. Fix: ${probe.fix}`;
  options.log.error(
    { problem: probe.problem, fix: probe.fix },
    'no working sandbox: agents will not run until it is fixed',
  );
  return { isolation, unavailable };
}

function warnNone(log: Logger): void {
  log.warn(
    "isolation: none — agent runs are NOT sandboxed: an agent can read everything the service's user can, including its secrets (docs/security.md)",
  );
}

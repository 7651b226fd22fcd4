/**
 * doctor's sandbox check: with `isolation: bwrap` a sandbox must start here (the probe says why
 * not, and the fix); with `isolation: none` the operator chose to run agents unconfined — the check
 * passes, saying so, because that is a choice and not a fault.
 */
import type { CheckResult, DoctorCheck } from './doctor-checks.js';
import type { SandboxProbe } from './ports.js';

export interface SandboxInput {
  /** `config.isolation`. */
  readonly isolation: 'bwrap' | 'none';
  probe(): Promise<SandboxProbe>;
}

export function sandboxCheck(input: SandboxInput): DoctorCheck {
  return {
    title: `agent runs are sandboxed (isolation: ${input.isolation})`,
    async run(): Promise<CheckResult> {
      if (input.isolation === 'none') {
        return {
          ok: true,
          detail:
            "warning: runs are not sandboxed (isolation: none): each agent runs as the service's own user and reaches what it can (docs/security.md)",
        };
      }
      const probe = await input.probe();
      return probe.ok ? { ok: true, detail: probe.detail } : { ok: false, detail: probe.problem, fix: probe.fix };
    },
  };
}

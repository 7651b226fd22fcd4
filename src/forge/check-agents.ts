/**
 * The start-up token check (docs/forge-setup.md): each agent's token is shown to the forge
 * (`GET /user`) and must belong to the agent's configured login. A token the forge refuses, or
 * that belongs to someone else, is a configuration mistake — the service would act as the wrong
 * user, or fail on every job — so it is fatal at start-up and in `config check --online`. A
 * forge that cannot be reached is not the configuration's fault: a warning, and `/readyz` says
 * "forge unreachable: …" until a later check gets through.
 */
import { ForgeApiError, type ForgeClient } from './client.js';
import type { Clock } from '../lib/clock.js';

export interface AgentToCheck {
  /** The agent's name in the configuration (`agents.<name>`). */
  readonly name: string;
  /** `agents.<name>.login`. */
  readonly login: string;
  readonly client: Pick<ForgeClient, 'whoami'>;
}

export type AgentProblemKind = 'token-refused' | 'wrong-login' | 'forge-error' | 'unreachable';

export interface AgentProblem {
  readonly agent: string;
  readonly kind: AgentProblemKind;
  /** A whole sentence naming the agent and what to do. */
  readonly message: string;
}

export interface AgentCheckReport {
  /** Problems that make the configuration wrong: start-up fails on them. */
  readonly fatal: readonly AgentProblem[];
  /** The forge could not be asked; the configuration may well be right. */
  readonly unreachable: readonly AgentProblem[];
}

/** Asks the forge about every agent at once; never rejects. */
export async function checkAgents(
  agents: readonly AgentToCheck[],
  options: { readonly timeoutMs?: number } = {},
): Promise<AgentCheckReport> {
  const problems = (await Promise.all(agents.map((agent) => checkAgent(agent, options.timeoutMs ?? 10_000)))).filter(
    (p): p is AgentProblem => p !== undefined,
  );
  return {
    fatal: problems.filter((p) => p.kind !== 'unreachable'),
    unreachable: problems.filter((p) => p.kind === 'unreachable'),
  };
}

async function checkAgent(agent: AgentToCheck, timeoutMs: number): Promise<AgentProblem | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new ForgeApiError('GET', '/user', 0, `no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    const me = await Promise.race([agent.client.whoami(), timeout]);
    if (me.login.toLowerCase() === agent.login.toLowerCase()) return undefined;
    return {
      agent: agent.name,
      kind: 'wrong-login',
      message: `agent "${agent.name}": its token belongs to forge user "${me.login}", but agents.${agent.name}.login is "${agent.login}": give the agent a token of "${agent.login}", or correct the login`,
    };
  } catch (error) {
    return problemOf(agent, error);
  } finally {
    clearTimeout(timer);
  }
}

function problemOf(agent: AgentToCheck, error: unknown): AgentProblem {
  const name = agent.name;
  const status = error instanceof ForgeApiError ? error.status : 0;
  if (status === 401) {
    return {
      agent: name,
      kind: 'token-refused',
      message: `agent "${name}": the forge refused its token (401): check agents.${name}.token — it must be a valid access token of forge user "${agent.login}"`,
    };
  }
  if (status === 403) {
    return {
      agent: name,
      kind: 'token-refused',
      message: `agent "${name}": the forge refused GET /user with its token (403): the token needs the read:user scope (see docs/forge-setup.md)`,
    };
  }
  if (status >= 400 && status < 500) {
    return {
      agent: name,
      kind: 'forge-error',
      message: `agent "${name}": GET /user answered ${status}: check that forge.url is the forge's web address (the API is under /api/v1)`,
    };
  }
  const detail =
    status === 0
      ? error instanceof ForgeApiError
        ? error.body
        : error instanceof Error
          ? error.message
          : String(error)
      : `GET /user answered ${status}`;
  return { agent: name, kind: 'unreachable', message: `agent "${name}": ${detail}` };
}

export interface ForgeReadiness {
  /**
   * `{ ok, detail }` for `/readyz`: the last check when it is younger than `cacheMs`, a new one
   * otherwise — never waiting long for a forge that hangs: a check not answered within
   * `answerWithinMs` leaves the last one (or "checking") as the answer.
   */
  status(): Promise<{ ok: boolean; detail: string }>;
  /** A check now (or the one under way): the start-up check, whose answer `/readyz` then keeps. */
  check(): Promise<AgentCheckReport>;
}

/**
 * Readiness of the forge for `/readyz`: re-checks the tokens at most every `cacheMs`, so a probe
 * every few seconds does not become a `GET /user` per agent every few seconds, and a forge that
 * comes back is noticed within `cacheMs`.
 */
export function createForgeReadiness(options: {
  readonly agents: readonly AgentToCheck[];
  readonly clock: Clock;
  readonly cacheMs: number;
  readonly timeoutMs?: number;
  /** How long `status` waits for a check under way before it answers with the last one (default 500 ms). */
  readonly answerWithinMs?: number;
}): ForgeReadiness {
  let last: { at: number; report: AgentCheckReport } | undefined;
  let running: Promise<AgentCheckReport> | undefined;

  const fresh = async (): Promise<AgentCheckReport> => {
    if (last !== undefined && options.clock.now() - last.at < options.cacheMs) return last.report;
    running ??= checkAgents(options.agents, { timeoutMs: options.timeoutMs }).then((report) => {
      last = { at: options.clock.now(), report };
      running = undefined;
      return report;
    });
    return running;
  };

  return {
    async status() {
      const checking = fresh();
      const quick = await Promise.race([
        checking,
        new Promise<undefined>((resolve) =>
          setTimeout(() => resolve(undefined), options.answerWithinMs ?? 500).unref(),
        ),
      ]);
      if (quick === undefined && last === undefined)
        return { ok: false, detail: "checking the agents' tokens with the forge" };
      const report = quick ?? last!.report;
      const problems = [...report.fatal, ...report.unreachable];
      if (problems.length === 0)
        return { ok: true, detail: `${options.agents.length} agent token(s) accepted by the forge` };
      const unreachable =
        report.unreachable.length > 0
          ? `forge unreachable: ${report.unreachable.map((p) => p.message).join('; ')}`
          : '';
      return { ok: false, detail: [...report.fatal.map((p) => p.message), unreachable].filter(Boolean).join('; ') };
    },
    check: fresh,
  };
}

/** One error naming every agent whose token or login is wrong. */
export class AgentCheckError extends Error {
  readonly code = 'AGENT_CHECK';
  constructor(readonly problems: readonly AgentProblem[]) {
    super(`the forge does not accept the agents as configured:\n${problems.map((p) => `  - ${p.message}`).join('\n')}`);
    this.name = 'AgentCheckError';
  }
}

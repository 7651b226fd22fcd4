/** The dev agent the workdir benchmarks lease worktrees for: only its name, login and git identity matter. */
import type { AgentConfig } from '../../src/config/types.js';
import { Secret } from '../../src/lib/secret.js';

export function benchAgent(token: string): AgentConfig {
  return {
    name: 'dev',
    login: 'dev-bot',
    token: new Secret(token),
    git: { name: 'dev agent', email: 'dev@bench.test' },
    skillPath: '/dev/null',
    role: 'implementer',
    triggers: [{ on: 'mention' }],
    limits: { runsPerHour: 6, concurrency: 2, maxTurns: 10, maxBudgetUsd: 1 },
  };
}

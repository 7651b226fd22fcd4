/** Agent configurations for tests: the shipped example's three agents, with fake tokens. */
import type { Trigger } from '../../src/config/schema.js';
import type { AgentConfig } from '../../src/config/types.js';
import { Secret } from '../../src/lib/secret.js';

export function agent(name: string, overrides: Partial<AgentConfig> & { triggers?: Trigger[] } = {}): AgentConfig {
  return {
    name,
    login: name,
    token: new Secret(`${name}-token`),
    git: { name: `${name} (claude-hooks)`, email: `${name}@agents.test` },
    skillPath: `/dev/null`,
    role: name === 'dev' ? 'implementer' : name === 'reviewer' ? 'reviewer' : 'planner',
    triggers: [{ on: 'mention' }],
    limits: { runsPerHour: 6, concurrency: 2, maxTurns: 10, maxBudgetUsd: 1 },
    ...overrides,
  };
}

export function teamOfThree(): AgentConfig[] {
  return [
    agent('boss', { triggers: [{ on: 'issue_opened' }, { on: 'mention' }, { on: 'label', label: 'agent/boss' }] }),
    agent('dev', {
      triggers: [{ on: 'assigned' }, { on: 'mention' }, { on: 'pr_feedback' }, { on: 'label', label: 'agent/dev' }],
    }),
    agent('reviewer', { triggers: [{ on: 'review_requested' }, { on: 'mention' }] }),
  ];
}

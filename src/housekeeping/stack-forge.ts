/**
 * Housekeeping's `StackForge` over the agents' REST clients: a stacked PR is retargeted as its
 * author when that is an agent (it owns the PR). Its agent is asked to rebase by a stored event,
 * not by a comment (`housekeeping/rebase-request.ts`).
 */
import { policyOf } from '../config/roles.js';
import type { AgentConfig } from '../config/types.js';
import type { StackForge } from './cleanup-actions.js';
import type { ForgeClient } from '../forge/client.js';

export function createStackForge(
  agents: readonly AgentConfig[],
  clients: ReadonlyMap<string, ForgeClient>,
): StackForge | undefined {
  const first = agents[0];
  if (!first) return undefined;
  const clientOf = (agent: AgentConfig) => clients.get(agent.name)!;
  const agentByLogin = (login: string) => agents.find((a) => a.login.toLowerCase() === login.toLowerCase());
  // A person's PR is retargeted by an agent whose token may edit pull requests: one that pushes
  // (dev's; boss reads the repository only, as \`init\` sets it up).
  const editor = agents.find((a) => policyOf(a).pushes) ?? first;
  return {
    async openPullsOnto(repo, branch) {
      const pulls = await clientOf(first).listPulls(repo.fullName, 'open');
      return pulls.filter((p) => p.baseRef === branch);
    },
    async retarget(repo, number, base, author) {
      await clientOf(agentByLogin(author) ?? editor).editPullBase(repo.fullName, number, base);
    },
  };
}

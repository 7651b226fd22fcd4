/**
 * Housekeeping's `StackForge` over the agents' REST clients: a stacked PR is retargeted as its
 * author when that is an agent (it owns the PR), and the request to rebase is posted by another
 * agent, mentioning the author — an explicit hand-off routing turns into a job on its key.
 */
import type { AgentConfig } from '../config/types.js';
import type { StackForge } from '../housekeeping/cleanup-actions.js';
import type { ForgeClient } from './client.js';

export function createStackForge(agents: readonly AgentConfig[], clients: ReadonlyMap<string, ForgeClient>): StackForge | undefined {
  const first = agents[0];
  if (!first) return undefined;
  const clientOf = (agent: AgentConfig) => clients.get(agent.name)!;
  const agentByLogin = (login: string) => agents.find((a) => a.login.toLowerCase() === login.toLowerCase());
  return {
    async openPullsOnto(repo, branch) {
      const pulls = await clientOf(first).listPulls(repo.fullName, 'open');
      return pulls.filter((p) => p.baseRef === branch).map((p) => ({ number: p.number, author: p.author.login, headRef: p.headRef }));
    },
    async retarget(repo, number, base, author) {
      await clientOf(agentByLogin(author) ?? first).editPullBase(repo.fullName, number, base);
    },
    async askToRebase(repo, number, author, body) {
      if (!agentByLogin(author)) return false;
      const teller = agents.find((a) => a.login.toLowerCase() !== author.toLowerCase());
      if (!teller) return false;
      await clientOf(teller).createComment(repo.fullName, number, body);
      return true;
    },
  };
}

/**
 * `claude-hooks config check --online`: the start-up token check (`forge/check-agents.ts`) run
 * from the command line, so an operator learns of a wrong token or login before starting the
 * service. Exit 1 when a token or login is wrong; an unreachable forge is a warning (exit 0).
 */
interface Writable {
  write(text: string): unknown;
}
import type { Config } from '../config/types.js';
import { checkAgents } from '../forge/check-agents.js';
import { createGiteaClient } from '../forge/rest/gitea-client.js';
import { silentLogger } from '../lib/logger.js';

export async function checkOnline(config: Config, out: Writable, err: Writable): Promise<number> {
  if (config.agents.length === 0) {
    out.write('online check: no agents are configured, so there is no token to check\n');
    return 0;
  }
  if (!config.forge.url) {
    err.write('online check: forge.url is not set (CLAUDE_HOOKS_FORGE_URL), so the agents cannot be checked\n');
    return 1;
  }
  const baseUrl = config.forge.url;
  const agents = config.agents.map((agent) => ({
    name: agent.name,
    login: agent.login,
    client: createGiteaClient({ baseUrl, token: agent.token, log: silentLogger() }),
  }));
  const report = await checkAgents(agents);
  for (const problem of report.fatal) err.write(`error: ${problem.message}\n`);
  for (const problem of report.unreachable) err.write(`warning: forge unreachable: ${problem.message}\n`);
  const checked = agents.length - report.fatal.length - report.unreachable.length;
  out.write(
    `online check: ${checked} of ${agents.length} agent token(s) accepted by ${baseUrl} as their configured login\n`,
  );
  return report.fatal.length > 0 ? 1 : 0;
}

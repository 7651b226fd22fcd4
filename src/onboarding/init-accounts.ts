/**
 * The forge users `claude-hooks init` sets up — one per agent and the service user that reads
 * permissions — and each one's token, with exactly the scopes its work needs. A user that exists
 * is adopted; a token file is kept while the forge takes its token, it is that user's and it holds
 * the scopes needed and none of the broader ones (a token made by an earlier, more generous init
 * is replaced).
 */
import { agentNeeds, SERVICE_ACCOUNT, type AgentTemplate, type Needs } from './agent-templates.js';
import {
  generateSecret,
  isPrivate,
  readSecretFile,
  serviceTokenFileOf,
  tokenFileOf,
  writeSecretFile,
  type InitLayout,
} from './init-files.js';
import type { Step } from './plan.js';
import type { OnboardingForge } from './ports.js';

/** A forge user init sets up, and what it needs. */
export interface BotAccount {
  readonly login: string;
  readonly fullName: string;
  readonly email: string;
  readonly needs: Needs;
  readonly tokenFile: string;
}

export function agentAccount(
  agent: AgentTemplate,
  context: { layout: InitLayout; emailHost: string; allowBotMerge: boolean },
): BotAccount {
  return {
    login: agent.name,
    fullName: agent.fullName,
    email: `${agent.name}@noreply.${context.emailHost}`,
    needs: agentNeeds(agent.role, { allowBotMerge: context.allowBotMerge }),
    tokenFile: tokenFileOf(context.layout, agent.name),
  };
}

export function serviceAccount(context: { layout: InitLayout; emailHost: string }): BotAccount {
  return {
    login: SERVICE_ACCOUNT.login,
    fullName: SERVICE_ACCOUNT.fullName,
    email: `${SERVICE_ACCOUNT.login}@noreply.${context.emailHost}`,
    needs: SERVICE_ACCOUNT.needs,
    tokenFile: serviceTokenFileOf(context.layout),
  };
}

export interface AccountDeps {
  /** The forge as the admin token's user. */
  readonly admin: OnboardingForge;
  forgeAs(token: string): OnboardingForge;
  /** The repository the scope probes ask about. */
  readonly probeRepo: string;
  /** One-time passwords of users made in this run, for their token. */
  readonly passwords: Map<string, string>;
}

export function userStep(account: BotAccount, deps: AccountDeps): Step {
  const describe = `${account.login} (${account.fullName}, ${account.email})`;
  return {
    title: `user ${account.login}`,
    async check() {
      const found = await deps.admin.user(account.login);
      return found === undefined
        ? { ok: false, needs: `create forge user ${describe}` }
        : { ok: true, note: `exists (${found.fullName || 'no full name'}); adopted` };
    },
    async change() {
      const password = generateSecret();
      await deps.admin.createUser({ login: account.login, fullName: account.fullName, email: account.email, password });
      deps.passwords.set(account.login, password);
      return `created forge user ${describe}`;
    },
  };
}

export function tokenStep(account: BotAccount, deps: AccountDeps): Step {
  const file = account.tokenFile;
  const scopes = account.needs.scopes.join(', ');
  return {
    title: `token of ${account.login}`,
    async check() {
      const token = await readSecretFile(file);
      if (token === undefined) return { ok: false, needs: `create a token with ${scopes} and save it to ${file}` };
      const wrong = await tokenProblem(deps.forgeAs(token), account, deps.probeRepo);
      if (wrong !== undefined) return { ok: false, needs: `replace the token in ${file}: ${wrong}` };
      if (!(await isPrivate(file))) return { ok: false, needs: `make ${file} readable by its owner only` };
      return { ok: true, note: `valid, ${scopes}, in ${file}` };
    },
    async change() {
      let password = deps.passwords.get(account.login);
      const reset = password === undefined;
      if (password === undefined) {
        // An adopted user's password is unknown; Gitea makes tokens only with it (docs/decisions.md).
        password = generateSecret();
        await deps.admin.setPassword(account.login, password);
      }
      const token = await deps.admin.createToken(
        account.login,
        password,
        `claude-hooks-${Date.now()}`,
        account.needs.scopes,
      );
      await writeSecretFile(file, token);
      return `created a token with ${scopes}${reset ? ' (after setting a one-time password)' : ''}, saved to ${file} (0600)`;
    },
  };
}

/** Why the token will not do for `account`, in words; undefined when it will. */
async function tokenProblem(
  forge: OnboardingForge,
  account: BotAccount,
  probeRepo: string,
): Promise<string | undefined> {
  const owner = await forge.whoAmI();
  if (!owner.ok) return `the forge refused it (${owner.status})`;
  if (owner.login.toLowerCase() !== account.login.toLowerCase()) return `it belongs to ${owner.login}`;
  for (const scope of account.needs.scopes) {
    if (!(await forge.hasScope(scope, probeRepo))) return `it lacks ${scope}`;
  }
  for (const scope of account.needs.tooBroad) {
    if (await forge.hasScope(scope, probeRepo)) return `it holds ${scope}, more than ${account.login} needs`;
  }
  return undefined;
}

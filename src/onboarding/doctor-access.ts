/**
 * doctor's checks of who may do what on the forge: each agent has the access its role needs and
 * none has admin (who may trigger an agent is read with forge.serviceToken, not an agent's token),
 * forge.serviceToken is set, is no agent's, only reads and can read permissions, and the default
 * branch is protected so that no agent pushes to it or merges on its own.
 */
import { ForgeApiError } from '../forge/client.js';
import {
  accessSuffices,
  agentNeeds,
  isAdminAccess,
  SERVICE_ACCOUNT,
  templateOf,
  type Needs,
} from './agent-templates.js';
import { judgeRule } from './branch-rule.js';
import type { CheckResult, DoctorAgent, DoctorCheck } from './doctor-checks.js';
import type { OnboardingForge } from './ports.js';

const INIT_HINT = 'or run `claude-hooks init` again, which repairs it';
const pass = (detail: string): CheckResult => ({ ok: true, detail });
const failure = (detail: string, fix: string): CheckResult => ({ ok: false, detail, fix });

/** What an agent's role needs; an agent init does not know by name and no role was given for is taken as an implementer (the most). */
export function needsOfAgent(agent: DoctorAgent): Needs {
  return agentNeeds(agent.role ?? templateOf(agent.name)?.role ?? 'implementer');
}

/**
 * Runs a check that reads what only a repository admin may see; a 403 becomes the ✗ saying whose
 * credential doctor needs, instead of a failed request.
 */
async function asAdminReader(run: () => Promise<CheckResult>): Promise<CheckResult> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof ForgeApiError) || error.status !== 403) throw error;
    return failure(
      `the forge would not show it to doctor (403 on ${error.path})`,
      'set CLAUDE_HOOKS_FORGE_ADMIN_TOKEN, or forge.serviceToken (a repository admin), so that doctor may read it',
    );
  }
}

export function accessChecks(
  agents: readonly DoctorAgent[],
  repositories: readonly string[],
  reader: OnboardingForge,
): DoctorCheck[] {
  return repositories.flatMap((repo) => [
    ...agents.map((agent): DoctorCheck => {
      const needed = needsOfAgent(agent).access;
      return {
        title: `${agent.name} has ${needed} on ${repo}`,
        run: () =>
          asAdminReader(async () => {
            const access = await reader.access(repo, agent.login);
            return accessSuffices(access, needed)
              ? pass(access)
              : failure(
                  `${agent.login} has ${access}`,
                  `give ${agent.login} ${needed} on ${repo} (Settings → Collaborators), ${INIT_HINT}`,
                );
          }),
      };
    }),
    noAdminCheck(agents, repo, reader),
  ]);
}

/** An agent with admin could change the repository's settings, its protection included. */
function noAdminCheck(agents: readonly DoctorAgent[], repo: string, reader: OnboardingForge): DoctorCheck {
  return {
    title: `no agent has admin on ${repo}`,
    run: () =>
      asAdminReader(async () => {
        const admins: Array<{ agent: DoctorAgent; access: string }> = [];
        for (const agent of agents) {
          const access = await reader.access(repo, agent.login);
          if (isAdminAccess(access)) admins.push({ agent, access });
        }
        if (admins.length === 0) return pass(`${agents.map((agent) => agent.login).join(', ')}: none above write`);
        const fixes = admins.map(({ agent, access }) =>
          access === 'owner'
            ? `${agent.login} is a site administrator or owns ${repo}: make it an ordinary user`
            : `lower ${agent.login}'s access to ${needsOfAgent(agent).access}`,
        );
        return failure(
          admins.map(({ agent, access }) => `${agent.login} has ${access}`).join('; '),
          `${fixes.join('; ')} (Settings → Collaborators); permission reads use forge.serviceToken, ${INIT_HINT}`,
        );
      }),
  };
}

/** forge.serviceToken as doctor is given it: its value and where the config names it, or `missing`. */
export type ServiceTokenInput = { readonly token: string; readonly ref: string } | 'missing';

export function serviceTokenChecks(
  input: ServiceTokenInput,
  agents: readonly DoctorAgent[],
  repositories: readonly string[],
  forgeAs: (token: string) => OnboardingForge,
): DoctorCheck[] {
  if (input === 'missing') {
    const first = agents[0]?.login ?? 'the first agent';
    return [
      {
        title: 'forge.serviceToken is set',
        run: async () =>
          failure(
            `not set: who may trigger an agent is read with ${first}'s token, which then needs admin`,
            `run \`claude-hooks init\` again (it creates the user ${SERVICE_ACCOUNT.login}, its token and the key), or set forge.serviceToken to a ${SERVICE_ACCOUNT.needs.scopes.join(', ')} token of a user that has admin on the repositories and is no agent (docs/forge-setup.md, "The service user")`,
          ),
      },
    ];
  }
  const forge = forgeAs(input.token);
  const asked = agents[0]?.login;
  return [
    {
      title: "forge.serviceToken is no agent's and only reads",
      run: () => serviceTokenOwner(forge, input.ref, agents, repositories[0]),
    },
    ...(asked === undefined
      ? []
      : repositories.map(
          (repo): DoctorCheck => ({
            title: `forge.serviceToken reads permissions on ${repo}`,
            run: () => permissionRead(forge, repo, asked),
          }),
        )),
  ];
}

const SERVICE_FIX = (ref: string) =>
  `put in ${ref} a token with ${SERVICE_ACCOUNT.needs.scopes.join(', ')} of a user that has admin on the repositories and is no agent, ${INIT_HINT}`;

async function serviceTokenOwner(
  forge: OnboardingForge,
  ref: string,
  agents: readonly DoctorAgent[],
  probeRepo: string | undefined,
): Promise<CheckResult> {
  const owner = await forge.whoAmI();
  // Without read:user the forge will not say whose token it is (403); the other checks still can.
  if (!owner.ok && owner.status !== 403)
    return failure(`the forge refused it (${owner.status}: ${owner.message})`, SERVICE_FIX(ref));
  const login = owner.ok ? owner.login : undefined;
  const agent =
    login === undefined ? undefined : agents.find((candidate) => candidate.login.toLowerCase() === login.toLowerCase());
  if (agent !== undefined) return failure(`it is ${agent.name}'s token (${agent.login})`, SERVICE_FIX(ref));
  if (probeRepo !== undefined) {
    const writes = [];
    for (const scope of SERVICE_ACCOUNT.needs.tooBroad) if (await forge.hasScope(scope, probeRepo)) writes.push(scope);
    if (writes.length > 0)
      return failure(
        `it can write (${writes.join(', ')}): the service only reads`,
        `replace it in ${ref} by a token with ${SERVICE_ACCOUNT.needs.scopes.join(', ')} only, ${INIT_HINT}`,
      );
  }
  return pass(`${login ?? 'a user it cannot name without read:user'}, read-only`);
}

/** Gitea answers about another user only to a repository admin (403 otherwise). */
async function permissionRead(forge: OnboardingForge, repo: string, login: string): Promise<CheckResult> {
  try {
    const access = await forge.access(repo, login);
    // Gitea hides a private repository from a user without access (404): read as "none".
    if (access === 'none')
      return failure(
        `it reads ${login} as having no access to ${repo}: the repository is hidden from its user, or ${login} has none`,
        `give forge.serviceToken's user admin on ${repo} (Settings → Collaborators), ${INIT_HINT}`,
      );
    return pass(`${login} has ${access}`);
  } catch (error) {
    if (!(error instanceof ForgeApiError) || (error.status !== 403 && error.status !== 401)) throw error;
    const why =
      error.status === 401
        ? 'the forge refused the token (401)'
        : `the forge refused (403): its user is not an admin of ${repo}`;
    return failure(why, `give forge.serviceToken's user admin on ${repo} (Settings → Collaborators), ${INIT_HINT}`);
  }
}

export function protectionChecks(
  agents: readonly DoctorAgent[],
  repositories: readonly string[],
  reader: OnboardingForge,
): DoctorCheck[] {
  const bots = agents.map((agent) => agent.login);
  return repositories.map((repo) => ({
    title: `the default branch of ${repo} is protected against agents' pushes and merges`,
    run: () =>
      asAdminReader(async () => {
        const branch = await reader.defaultBranch(repo);
        const rule = await reader.branchRule(repo, branch);
        if (rule === undefined)
          return failure(
            `no protection rule for ${branch}`,
            `add one for ${branch} (Settings → Branches): push disabled, 1 required approval, dismiss stale approvals, ${INIT_HINT}`,
          );
        const { problems } = judgeRule(rule, { bots });
        if (problems.length > 0)
          return failure(
            `${branch}: ${problems.join('; ')}`,
            `in the rule of ${branch} (Settings → Branches): disable push (or allow people only), require at least 1 approval, dismiss stale approvals, take the agents off every allowlist, ${INIT_HINT}`,
          );
        const approvers = await agentApprovers(agents, repo, reader);
        const note =
          approvers.length === 0
            ? "every merge needs a person's approval"
            : `note: ${approvers.join(', ')} has write, so its approval counts and agents can merge without a person (init --allow-bot-merge)`;
        return pass(`${branch}: no agent pushes, ${rule.requiredApprovals} approval(s) to merge; ${note}`);
      }),
  }));
}

/** Reviewing agents whose approvals count (Gitea counts a writer's): they could let another agent merge. */
async function agentApprovers(
  agents: readonly DoctorAgent[],
  repo: string,
  reader: OnboardingForge,
): Promise<string[]> {
  const approvers: string[] = [];
  for (const agent of agents) {
    if (needsOfAgent(agent).access !== 'read') continue;
    if (accessSuffices(await reader.access(repo, agent.login), 'write')) approvers.push(agent.login);
  }
  return approvers;
}

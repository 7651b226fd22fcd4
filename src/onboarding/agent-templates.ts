/**
 * What `claude-hooks init` knows about each agent it can set up — its role, triggers and the label
 * that triggers it — and what each role needs from the forge, no more (docs/forge-setup.md,
 * "Bot users" and "Tokens"): the access on every repository and the scopes of its token. The
 * service account that reads collaborators' permissions is described here too. The webhook's
 * events are in `hook-events.ts`.
 */
import type { Role } from '../config/roles.js';

export interface AgentTemplate {
  readonly name: string;
  readonly fullName: string;
  readonly role: Role;
  /** Trigger kinds besides `label`. */
  readonly triggers: readonly string[];
  readonly label: string;
}

export const AGENT_TEMPLATES: readonly AgentTemplate[] = [
  {
    name: 'boss',
    fullName: 'Boss (claude-hooks)',
    role: 'planner',
    triggers: ['issue_opened', 'mention'],
    label: 'agent/boss',
  },
  {
    name: 'dev',
    fullName: 'Dev (claude-hooks)',
    role: 'implementer',
    triggers: ['assigned', 'mention', 'pr_feedback'],
    label: 'agent/dev',
  },
  {
    name: 'reviewer',
    fullName: 'Reviewer (claude-hooks)',
    role: 'reviewer',
    triggers: ['review_requested', 'mention'],
    label: 'agent/reviewer',
  },
];

export type NeededAccess = 'read' | 'write' | 'admin';

/** What a forge user needs for its work: its access on each repository and its token's scopes. */
export interface Needs {
  readonly access: NeededAccess;
  readonly scopes: readonly string[];
  /**
   * Scopes broader than the work needs that its token must not hold (`write:repository` where
   * `read:repository` does): init replaces such a token, doctor reports it.
   */
  readonly tooBroad: readonly string[];
}

/**
 * What an agent needs, by its role — what its forge tools and pushes call for
 * (`config/roles.ts`). Gitea asks `write:repository` for every write under
 * `/repos/{o}/{r}` except issues and labels (`write:issue`), so submitting a review or opening a
 * pull request needs it as much as a push does.
 *
 * - the planner (boss) comments, labels, assigns and opens issues: write access (Gitea
 *   labels and assigns only for writers) but a token that can change no code: `read:repository`.
 * - the implementer (dev) pushes its branch and opens pull requests: write, `write:repository`.
 * - the reviewer reviews: Gitea takes a review from any reader, and counts an approval
 *   towards a protected branch's required approvals only from a writer. With read, no agent's
 *   approval can ever let a pull request be merged without a person's (`allowBotMerge` gives it
 *   write, so that its approvals count). Its token still needs `write:repository` to post one.
 */
export function agentNeeds(role: Role, options: { readonly allowBotMerge?: boolean } = {}): Needs {
  switch (role) {
    case 'planner':
      return {
        access: 'write',
        scopes: ['read:repository', 'write:issue', 'read:user'],
        tooBroad: ['write:repository'],
      };
    case 'implementer':
      return { access: 'write', scopes: ['write:repository', 'write:issue', 'read:user'], tooBroad: [] };
    case 'reviewer':
      return {
        access: options.allowBotMerge === true ? 'write' : 'read',
        scopes: ['write:repository', 'write:issue', 'read:user'],
        tooBroad: [],
      };
  }
}

/**
 * The service's own forge user (`forge.serviceToken`): it reads who may trigger an agent, which
 * Gitea answers about another user only to a repository admin. No agent is that user, and its
 * token only reads (`read:user` lets init and doctor tell whose token it is).
 */
export const SERVICE_ACCOUNT = {
  name: 'service',
  login: 'claude-hooks-service',
  fullName: 'claude-hooks service (permission reads)',
  needs: { access: 'admin', scopes: ['read:repository', 'read:user'], tooBroad: ['write:repository', 'write:issue'] },
} as const satisfies { name: string; login: string; fullName: string; needs: Needs };

export function templateOf(name: string): AgentTemplate | undefined {
  return AGENT_TEMPLATES.find((template) => template.name === name);
}

const RANK: Readonly<Record<string, number>> = { none: 0, read: 1, write: 2, admin: 3, owner: 4 };

/** Whether `access` is at least what `needed` asks (`owner`: the repository's owner or a site admin). */
export function accessSuffices(access: string, needed: NeededAccess): boolean {
  return (RANK[access] ?? 0) >= (RANK[needed] ?? 0);
}

/** Whether `access` lets its holder administer the repository (and so read anyone's permission). */
export const isAdminAccess = (access: string): boolean => access === 'admin' || access === 'owner';

/**
 * What each role does, in one table (docs/decisions.md §48): the kind of worktree it works in,
 * whether it writes there and pushes its own branch, the runtime's built-in tools it gets, its
 * forge tools, what it reaches on the network, which settings it loads, the prompt's account of
 * its job, and where its work on a pull request belongs. Everything that acts on a role asks this
 * table; comparing an agent's worktree kind decides nothing but which worktree to prepare.
 *
 * An agent's role is resolved once, when the configuration is loaded: `agents.<name>.worktree`
 * names a worktree kind, and the role is the row that works in it (`roleWorkingIn`). The table
 * lives in `config/` because every module that acts on a role — agent, queue, housekeeping,
 * onboarding, cli — may import `config` (src/module-graph.test.ts), and the loader resolves it.
 *
 * The sandbox and the service decide an agent's reach, never this list alone: a tool list keeps
 * a role to its job (docs/decisions.md §43), the sandbox's mounts and the git proxy enforce
 * `writes` and `pushes` (§38, §40).
 */
import type { WorktreeKind } from './schema.js';

/** What an agent does: plans work as issues, implements one issue as a pull request, or reviews one. */
export type Role = 'planner' | 'implementer' | 'reviewer';

/** The tools of the agents' forge MCP server (`agent/forge-tools`). */
export type ForgeToolName =
  | 'comment'
  | 'create_issue'
  | 'set_dependencies'
  | 'open_pull_request'
  | 'request_review'
  | 'submit_review'
  | 'answer_review_comment'
  | 'add_labels'
  | 'remove_labels'
  | 'read_thread';

export interface RolePolicy {
  /** The kind of worktree it works in: what `agents.<name>.worktree` names. */
  readonly worktree: WorktreeKind;
  /** Its worktree is writable in the sandbox. */
  readonly writes: boolean;
  /**
   * It pushes its own branch (the git proxy lets it, that branch only), so a run that leaves work
   * unpushed is reported, and its token may edit pull requests (`write:repository`).
   */
  readonly pushes: boolean;
  /** Built-in tools of the runtime (web tools only with the agent's `webTools`). */
  readonly tools: readonly string[];
  /** Its forge tools. */
  readonly forgeTools: readonly ForgeToolName[];
  /**
   * What a sandboxed run reaches: the model and its repository through the service's proxies,
   * and the hosts of the agent's `network.allow` through the egress proxy — the same for every
   * role today, held here so that a role that needs less says so.
   */
  readonly network: 'service-and-allow-list';
  /** Settings, hooks, MCP servers and `CLAUDE.md` loaded from files: none, for every role (§43). */
  readonly settings: 'none';
  /** Which account of its job the prompt gives it (`agent/prompt/conventions.ts`). */
  readonly conventions: 'plan' | 'implement' | 'review';
  /**
   * A pull request from its own `issue-<N>-…` branch is issue N's work: feedback on it and its
   * rebase go to issue N's conversation, the one that wrote the code (routing).
   */
  readonly pullsBelongToIssue: boolean;
}

const READ = ['Read', 'Grep', 'Glob', 'TodoWrite', 'Bash'];
/** The built-in tools that change files: denied by name to a role that does not write. */
export const EDIT_TOOLS: readonly string[] = ['Edit', 'Write', 'NotebookEdit'];

export const ROLE_POLICY: Readonly<Record<Role, RolePolicy>> = {
  planner: {
    worktree: 'default-branch',
    writes: false,
    pushes: false,
    tools: READ,
    forgeTools: ['comment', 'create_issue', 'set_dependencies', 'add_labels', 'remove_labels', 'read_thread'],
    network: 'service-and-allow-list',
    settings: 'none',
    conventions: 'plan',
    pullsBelongToIssue: false,
  },
  implementer: {
    worktree: 'issue-branch',
    writes: true,
    pushes: true,
    tools: [...READ, ...EDIT_TOOLS],
    forgeTools: [
      'comment',
      'open_pull_request',
      'request_review',
      'answer_review_comment',
      'add_labels',
      'remove_labels',
      'read_thread',
    ],
    network: 'service-and-allow-list',
    settings: 'none',
    conventions: 'implement',
    pullsBelongToIssue: true,
  },
  reviewer: {
    worktree: 'pr-head',
    writes: false,
    pushes: false,
    tools: READ,
    // No labels: `init` gives the reviewer read access (its approval then never counts towards a merge), and a reader cannot label.
    forgeTools: ['comment', 'submit_review', 'read_thread'],
    network: 'service-and-allow-list',
    settings: 'none',
    conventions: 'review',
    pullsBelongToIssue: false,
  },
};

export const ROLES = Object.keys(ROLE_POLICY) as readonly Role[];

/** The role that works in this kind of worktree: how the loader reads `agents.<name>.worktree`. */
export function roleWorkingIn(worktree: WorktreeKind): Role {
  const role = ROLES.find((candidate) => ROLE_POLICY[candidate].worktree === worktree);
  if (role === undefined) throw new Error(`no role works in a ${worktree} worktree`);
  return role;
}

/** The policy of an agent's role. */
export const policyOf = (agent: { readonly role: Role }): RolePolicy => ROLE_POLICY[agent.role];

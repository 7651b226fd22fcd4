/**
 * A run's SDK options as its role's policy (`config/roles.ts`, one table) calls for: exactly the
 * role's built-in tools and its forge tools, each approved without asking, everything else denied,
 * and no settings from any file.
 *
 * The sandbox and the service decide an agent's reach, never this list alone: a tool list keeps a
 * role to its job and off the runtime's cross-session and scheduling tools (which let one session
 * message another), but a command allowlist is no boundary (`git grep -O<cmd>` runs anything), so
 * in a sandbox the readers' Bash is free — it can reach nothing. With `isolation: none` the
 * readers keep the read-only command filter as a courtesy, and nothing is a boundary.
 */
import type { CanUseTool, Options } from '@anthropic-ai/claude-agent-sdk';
import { EDIT_TOOLS, ROLE_POLICY, type Role, type RolePolicy } from '../../config/roles.js';
import type { AgentConfig } from '../../config/types.js';

const WEB = ['WebFetch', 'WebSearch'];

/**
 * Tools no role gets, named as well so that a runtime that adds one to the defaults still keeps
 * it away: subagents and workflows (a second model loop outside the run's accounting), messages
 * between sessions, wake-ups scheduled for later, background shells.
 */
const NEVER = [
  'Task',
  'Agent',
  'SendMessage',
  'ListAgents',
  'Workflow',
  'ScheduleWakeup',
  'CronCreate',
  'RemoteTrigger',
  'KillShell',
  'BashOutput',
  'Skill',
  'SlashCommand',
  'ExitPlanMode',
  'EnterWorktree',
];

/** What a role's `settings` means to the SDK: `none` loads no settings file and no MCP server but the run's own. */
const SETTINGS: Readonly<Record<RolePolicy['settings'], Pick<Options, 'settingSources' | 'strictMcpConfig'>>> = {
  none: { settingSources: [], strictMcpConfig: true },
};

export type SdkPolicy = Pick<
  Options,
  | 'tools'
  | 'allowedTools'
  | 'disallowedTools'
  | 'permissionMode'
  | 'canUseTool'
  | 'permissionPrompts'
  | 'settingSources'
  | 'strictMcpConfig'
>;

export interface PolicyInput {
  readonly role: Role;
  readonly agent: Pick<AgentConfig, 'webTools'>;
  readonly forgeTools: readonly string[];
  /** Whether the run is in a sandbox: the readers' Bash is filtered only without one. */
  readonly sandboxed: boolean;
}

/**
 * A run's SDK options: exactly the role's tools, each approved without asking, everything else
 * denied; no settings, hooks, `CLAUDE.md` or MCP servers from any file (`settingSources: []`,
 * `strictMcpConfig`) — a repository can install nothing into a run.
 */
export function sdkPolicyFor(input: PolicyInput): SdkPolicy {
  const policy = ROLE_POLICY[input.role];
  const tools = [...policy.tools, ...(input.agent.webTools ? WEB : [])];
  const denied = [...NEVER, ...(input.agent.webTools ? [] : WEB), ...(policy.writes ? [] : EDIT_TOOLS)];
  const base: SdkPolicy = { tools, disallowedTools: denied, permissionMode: 'default', ...SETTINGS[policy.settings] };
  if (policy.writes || input.sandboxed)
    return { ...base, allowedTools: [...tools, ...input.forgeTools], permissionPrompts: 'none' };
  // No sandbox: the readers' every call goes through the filter (an allowed name would skip it).
  return {
    ...base,
    allowedTools: [],
    canUseTool: readOnly(new Set([...tools.filter((tool) => tool !== 'Bash'), ...input.forgeTools])),
  };
}

function readOnly(allowed: ReadonlySet<string>): CanUseTool {
  return async (name, input) => {
    if (allowed.has(name)) return { behavior: 'allow', updatedInput: input };
    if (name === 'Bash' && typeof input.command === 'string' && isReadOnlyCommand(input.command))
      return { behavior: 'allow', updatedInput: input };
    return {
      behavior: 'deny',
      message: `${name === 'Bash' ? 'this command' : name} is not available: this agent only reads (Read, Grep, Glob, read-only git and shell commands)`,
    };
  };
}

const READ_ONLY_PROGRAMS = new Set([
  'ls',
  'cat',
  'head',
  'tail',
  'wc',
  'grep',
  'find',
  'stat',
  'file',
  'pwd',
  'echo',
  'diff',
  'du',
]);
const READ_ONLY_GIT = new Set([
  'log',
  'show',
  'diff',
  'status',
  'blame',
  'ls-files',
  'rev-parse',
  'describe',
  'shortlog',
  'cat-file',
  'merge-base',
]);

/**
 * One simple command (optionally a pipeline of them) whose programs only read — a courtesy filter
 * for readers without a sandbox, not a boundary. Anything a shell could turn into a write
 * (redirection, substitution, a list, `find -exec`) is refused, and so are the options known to
 * run another program (`git grep -O`, `rg --pre`: both dropped from the list).
 */
export function isReadOnlyCommand(command: string): boolean {
  if (/[;&<>`$(){}\n\\]/.test(command)) return false;
  return command.split('|').every((part) => {
    const words = part.trim().split(/\s+/);
    const [program, sub] = words;
    if (program === undefined || program === '') return false;
    if (program === 'find' && words.some((w) => /^-(exec|execdir|delete|ok|okdir|fprint.*|fls)$/.test(w))) return false;
    if (program === 'git')
      return (
        sub !== undefined &&
        READ_ONLY_GIT.has(sub) &&
        !words.some((w) =>
          /^(--output|--ext-diff|--textconv|-c$|--exec|--upload-pack|--open-files-in-pager|-O)/.test(w),
        )
      );
    return READ_ONLY_PROGRAMS.has(program);
  });
}

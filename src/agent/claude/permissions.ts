/**
 * What each role may do, as SDK options. The role is read from the agent's `workspace` (the same
 * rule the forge tools use): `issue-branch` is dev, which edits, writes and runs commands;
 * `default-branch` (boss) and `pr-head` (reviewer) only read — Read, Grep, Glob and Bash commands
 * that cannot change anything — plus their forge tools.
 *
 * No role runs with `bypassPermissions`. Dev's tools are listed and anything else is denied;
 * the readers' every call goes through `canUseTool`, which allows their tools and read-only Bash
 * and denies the rest with a message the model can read. (The runtime itself also approves
 * commands it knows to be read-only, such as `ls`, without asking.)
 */
import type { CanUseTool, Options, SettingSource } from '@anthropic-ai/claude-agent-sdk';
import type { Workspace } from '../../config/schema.js';

export type Role = 'boss' | 'dev' | 'reviewer';

export function roleOf(workspace: Workspace): Role {
  return workspace === 'issue-branch' ? 'dev' : workspace === 'pr-head' ? 'reviewer' : 'boss';
}

const READ_TOOLS = ['Read', 'Grep', 'Glob', 'TodoWrite'];
const WRITE_TOOLS = ['Edit', 'MultiEdit', 'Write', 'NotebookEdit', 'Bash'];
/** Nobody fetches from the web: payload text is untrusted and must not steer requests out. */
const NEVER = ['WebFetch', 'WebSearch'];

export type PermissionOptions = Pick<Options, 'allowedTools' | 'disallowedTools' | 'permissionMode' | 'canUseTool' | 'permissionPrompts' | 'settingSources'>;

/**
 * Dev's tools are all listed (bare names approve a whole tool), and nobody answers a prompt, so
 * anything else is denied. The readers list none: `canUseTool` decides every call — a bare name
 * would skip it (the SDK warns `CLAUDE_SDK_CAN_USE_TOOL_SHADOWED` on every run otherwise).
 */
export function permissionsFor(role: Role, forgeTools: readonly string[]): PermissionOptions {
  const settingSources = settingSourcesFor(role);
  if (role === 'dev') {
    return { allowedTools: [...READ_TOOLS, ...WRITE_TOOLS, ...forgeTools], disallowedTools: NEVER, permissionMode: 'default', permissionPrompts: 'none', settingSources };
  }
  return {
    allowedTools: [],
    disallowedTools: [...NEVER, ...WRITE_TOOLS.filter((t) => t !== 'Bash')],
    permissionMode: 'default',
    canUseTool: readOnly(new Set([...READ_TOOLS, ...forgeTools])),
    settingSources,
  };
}

/**
 * The reviewer works on a PR's head, whose `CLAUDE.md`, `.claude/` and `.mcp.json` the PR's
 * author controls: it loads no settings at all. Boss and dev work on the default branch or their
 * own branch and read the project's settings (and `CLAUDE.md`).
 */
function settingSourcesFor(role: Role): SettingSource[] {
  return role === 'reviewer' ? [] : ['project'];
}

function readOnly(allowed: ReadonlySet<string>): CanUseTool {
  return async (name, input) => {
    if (allowed.has(name)) return { behavior: 'allow', updatedInput: input };
    if (name === 'Bash' && typeof input.command === 'string' && isReadOnlyCommand(input.command)) return { behavior: 'allow', updatedInput: input };
    return { behavior: 'deny', message: `${name === 'Bash' ? 'this command' : name} is not available: this agent only reads (Read, Grep, Glob, read-only git and shell commands)` };
  };
}

const READ_ONLY_PROGRAMS = new Set(['ls', 'cat', 'head', 'tail', 'wc', 'grep', 'rg', 'find', 'stat', 'file', 'pwd', 'echo', 'diff', 'du']);
const READ_ONLY_GIT = new Set(['log', 'show', 'diff', 'status', 'blame', 'grep', 'ls-files', 'rev-parse', 'describe', 'shortlog', 'cat-file', 'merge-base']);

/**
 * One simple command (optionally a pipeline of them) whose programs only read. Anything a shell
 * could turn into a write — redirection, substitution, a list, `find -exec`/`-delete` — is refused.
 */
export function isReadOnlyCommand(command: string): boolean {
  if (/[;&<>`$(){}\n\\]/.test(command)) return false;
  return command.split('|').every((part) => {
    const words = part.trim().split(/\s+/);
    const [program, sub] = words;
    if (program === undefined || program === '') return false;
    if (program === 'find' && words.some((w) => /^-(exec|execdir|delete|ok|okdir|fprint.*|fls)$/.test(w))) return false;
    if (program === 'git') return sub !== undefined && READ_ONLY_GIT.has(sub) && !words.some((w) => /^--output/.test(w));
    return READ_ONLY_PROGRAMS.has(program);
  });
}

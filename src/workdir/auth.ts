/**
 * Git identity and forge authentication for everything that runs git in a worktree — the service
 * and the agent's own Bash tool alike (see docs/decisions.md §3 and §4).
 *
 * Auth: a credential helper script under the data dir, put first in a chain that is reset with an
 * empty `credential.helper` entry, both through `GIT_CONFIG_COUNT` environment variables. The
 * script holds no secret: it answers `get` from `CLAUDE_HOOKS_GIT_TOKEN` in the calling process's
 * environment, only for the forge's own host and protocol, and prints with the shell's built-in
 * `printf`, so the token is never in a file, a URL, a config or an argument list.
 *
 * Identity: `GIT_AUTHOR_*`/`GIT_COMMITTER_*` in that same environment (they beat any config), and
 * the same values in the worktree's own `config.worktree` (set when the worktree is made), so a
 * git run without our environment — an operator, a resumed session, a tool that scrubs env —
 * still commits as the agent.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AgentConfig } from '../config/types.js';
import { replaceFile } from '../lib/replace-file.js';
import { configEnvironment } from './run-git.js';

export const TOKEN_VARIABLE = 'CLAUDE_HOOKS_GIT_TOKEN';

const HELPER_NAME = 'git-credential-claude-hooks';

const HELPER_SCRIPT = `#!/bin/sh
# claude-hooks git credential helper. It holds no secret: it answers "get" from the
# environment of the git process that calls it, and only for the forge's host and protocol.
test "$1" = get || exit 0
host=
protocol=
while IFS= read -r line; do
  case $line in
    host=*) host=\${line#host=} ;;
    protocol=*) protocol=\${line#protocol=} ;;
    '') break ;;
  esac
done
test -n "$${TOKEN_VARIABLE}" || exit 0
test -n "$host" || exit 0
test "$host" = "$CLAUDE_HOOKS_GIT_HOST" || exit 0
test "$protocol" = "$CLAUDE_HOOKS_GIT_PROTOCOL" || exit 0
# printf is a shell built-in: the token never becomes a process argument.
printf 'username=%s\\npassword=%s\\n' "$CLAUDE_HOOKS_GIT_USERNAME" "$${TOKEN_VARIABLE}"
`;

/** Writes the helper script if it is missing or differs; answers its path. */
export async function ensureCredentialHelper(binDir: string): Promise<string> {
  const path = join(binDir, HELPER_NAME);
  const current = await readFile(path, 'utf8').catch(() => undefined);
  if (current === HELPER_SCRIPT) return path;
  await replaceFile(path, HELPER_SCRIPT, 0o700);
  return path;
}

export function identityEnvironment(agent: AgentConfig): Record<string, string> {
  return {
    GIT_AUTHOR_NAME: agent.git.name,
    GIT_AUTHOR_EMAIL: agent.git.email,
    GIT_COMMITTER_NAME: agent.git.name,
    GIT_COMMITTER_EMAIL: agent.git.email,
  };
}

/**
 * Git runs a `!`-prefixed helper through `sh -c` with the action appended, so the path (ours,
 * never a payload string) is single-quoted for that shell: a data dir with spaces still works.
 */
function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

export interface AuthEnvironmentOptions {
  readonly helperPath: string;
  readonly agent: AgentConfig;
  /**
   * The URL git fetches from, built from forge.url (`remoteUrlOf`): the helper answers only for its
   * scheme and host:port, so a fetch, push or redirect anywhere else never gets the token.
   */
  readonly cloneUrl: string;
  /** More command-scope config for the service's own calls (never the token). */
  readonly extraConfig?: readonly (readonly [string, string])[];
}

export function authEnvironment(options: AuthEnvironmentOptions): Record<string, string> {
  const url = new URL(options.cloneUrl);
  return {
    ...configEnvironment([
      // An empty entry resets the helper list: no system, global or repository helper runs.
      ['credential.helper', ''],
      ['credential.helper', `!${shellQuote(options.helperPath)}`],
      ...(options.extraConfig ?? []),
    ]),
    GIT_TERMINAL_PROMPT: '0',
    CLAUDE_HOOKS_GIT_HOST: url.host,
    CLAUDE_HOOKS_GIT_PROTOCOL: url.protocol.replace(/:$/, ''),
    CLAUDE_HOOKS_GIT_USERNAME: options.agent.login,
    [TOKEN_VARIABLE]: options.agent.token.reveal(),
  };
}

/**
 * Methods of every lease environment, on its prototype so that spreading it (`{ ...lease.env }`,
 * what the agent runner does) copies only the variables, while JSON, pino and `util.inspect` —
 * which pino's redaction does not cover for a plain object — see the token redacted.
 */
const REDACTING = Object.freeze({
  toJSON(this: Record<string, string>) {
    return { ...this, [TOKEN_VARIABLE]: '[redacted]' };
  },
  [Symbol.for('nodejs.util.inspect.custom')](this: Record<string, string>) {
    return { ...this, [TOKEN_VARIABLE]: '[redacted]' };
  },
});

/** The environment handed to an agent: identity plus auth; it serialises with the token hidden. */
export function leaseEnvironment(options: AuthEnvironmentOptions): Readonly<Record<string, string>> {
  const env = Object.assign(
    Object.create(REDACTING) as Record<string, string>,
    identityEnvironment(options.agent),
    authEnvironment(options),
  );
  return Object.freeze(env);
}

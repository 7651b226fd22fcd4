/**
 * The environment of one agent run: only what the Claude Code runtime and the tools it runs need,
 * never the service's own environment (which holds the webhook secret, the admin token and every
 * agent's forge token) and never a real credential: the model key and the forge token stay in the
 * service's proxies, and the run holds its enclosure's per-run token (`sandbox/isolation.ts`). The
 * operator's `HTTP(S)_PROXY` is not passed in either: the service's proxies use it for the run.
 * Built fresh for each run.
 */

/** Basics passed through from the service's environment when set: paths, locale, certificates. */
const PASSED_THROUGH = [
  'PATH',
  'HOME',
  'LANG',
  'LC_ALL',
  'TZ',
  'TMPDIR',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'NODE_EXTRA_CA_CERTS',
] as const;

export interface RunEnvOptions {
  /** The service's environment (the CLI's `process.env`); only the basics above are read. */
  readonly base: Readonly<Record<string, string | undefined>>;
  /** The agent's git identity (`GIT_AUTHOR_*`, `GIT_COMMITTER_*`). */
  readonly identity: Readonly<Record<string, string>>;
  /** The enclosure's: model URL and run token, git routing, proxies (and in a sandbox, HOME and TMPDIR). */
  readonly enclosure: Readonly<Record<string, string>>;
  /** `CLAUDE_CONFIG_DIR`: the session's own folder. */
  readonly configDir: string;
  /**
   * `CLAUDE_CODE_MAX_RETRIES`: how often the runtime itself retries a failed model request (429,
   * 5xx, 529, a broken stream) before it gives up. Unset, the runtime retries 10 times with
   * exponential backoff (0.5 s doubling to 32 s, about 3 minutes in all) while the run looks
   * "working"; the service's own retry policy should decide instead. The runtime clamps it to 15.
   */
  readonly maxRetries?: number;
}

export function runEnv(options: RunEnvOptions): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of PASSED_THROUGH) {
    const value = options.base[name];
    if (value !== undefined && value !== '') env[name] = value;
  }
  env.PATH ??= '/usr/local/bin:/usr/bin:/bin';
  Object.assign(env, options.identity, options.enclosure);
  env.CLAUDE_CONFIG_DIR = options.configDir;
  env.CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC = '1';
  if (options.maxRetries !== undefined)
    env.CLAUDE_CODE_MAX_RETRIES = String(Math.max(0, Math.floor(options.maxRetries)));
  return env;
}

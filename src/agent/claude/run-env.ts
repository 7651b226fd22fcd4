/**
 * The environment of one agent run: only what the Claude Code runtime and the tools it runs
 * need, never the service's own environment (which holds the webhook secret, the admin token and
 * every agent's forge token). Built fresh for each run.
 */
import type { ModelConfig } from '../../config/types.js';

/** Basics passed through from the service's environment when set: paths, locale, proxies, CAs. */
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
  'HTTPS_PROXY',
  'HTTP_PROXY',
  'NO_PROXY',
  'https_proxy',
  'http_proxy',
  'no_proxy',
] as const;

export interface RunEnvOptions {
  /** The service's environment (the CLI's `process.env`); only the basics above are read. */
  readonly base: Readonly<Record<string, string | undefined>>;
  /** The lease's env: git identity and credential helper. */
  readonly workspace: Readonly<Record<string, string>>;
  readonly model: ModelConfig;
  /** `CLAUDE_CONFIG_DIR`: one folder shared by every run, where transcripts live (docs/decisions.md §2). */
  readonly configDir: string;
}

export function runEnv(options: RunEnvOptions): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of PASSED_THROUGH) {
    const value = options.base[name];
    if (value !== undefined && value !== '') env[name] = value;
  }
  env.PATH ??= '/usr/local/bin:/usr/bin:/bin';
  // Spread copies the values: the lease env hides them only when serialised.
  Object.assign(env, { ...options.workspace });
  const credential = options.model.credential;
  env[credential.kind === 'api-key' ? 'ANTHROPIC_API_KEY' : 'CLAUDE_CODE_OAUTH_TOKEN'] = credential.secret.reveal();
  if (options.model.baseUrl) env.ANTHROPIC_BASE_URL = options.model.baseUrl;
  env.CLAUDE_CONFIG_DIR = options.configDir;
  env.CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC = '1';
  return env;
}

/**
 * The `options.env` that points the Claude Code runtime at a scripted model (see docs/testing.md,
 * "The scripted model"). The SDK hands this environment to the runtime as is, so it must carry
 * everything the runtime and the tools it runs need; nothing else leaks in.
 *
 * `HOME` defaults to the config folder, so neither the runtime nor the `git` the agent runs
 * reads the developer's own dot files: a repository the agent commits in needs its own
 * `user.name`/`user.email` (or pass `GIT_AUTHOR_*`/`GIT_COMMITTER_*` in `extra`).
 */
export interface SdkEnvOptions {
  readonly modelUrl: string;
  /** Becomes `CLAUDE_CONFIG_DIR`: transcripts land in `<configDir>/projects/<cwd, / → ->/<session>.jsonl`. */
  readonly configDir: string;
  readonly home?: string;
  /** `PATH` for the runtime and its tools; the test process's own by default. */
  readonly path?: string;
  readonly extra?: Readonly<Record<string, string>>;
}

export function sdkEnv(options: SdkEnvOptions): Record<string, string> {
  return {
    PATH: options.path ?? process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: options.home ?? options.configDir,
    ANTHROPIC_BASE_URL: options.modelUrl,
    // Any value: the scripted model ignores it (and never records it).
    ANTHROPIC_API_KEY: 'scripted-model',
    CLAUDE_CONFIG_DIR: options.configDir,
    // No telemetry, update checks, reachability probe or session-title request.
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    // bypassPermissions refuses to run as root without it.
    IS_SANDBOX: '1',
    ...options.extra,
  };
}

/**
 * The `claude-hooks` command line. `serve` runs the service (what `npm start` runs); `config check`
 * validates and prints the effective configuration. Only this file and `main.ts` read the process
 * environment.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load-config.js';
import type { Config } from '../config/types.js';
import { createLogger } from '../lib/logger.js';
import { startService } from '../main.js';
import { printConfig, printProblems } from './print-config.js';
import { printDeliveries } from './print-deliveries.js';
import { printJobs } from './print-jobs.js';
import { printRuns } from './print-runs.js';

const USAGE = `usage: claude-hooks <command> [--config PATH]

commands:
  serve            run the service (default)
  config check     validate the configuration and print it, secrets redacted
  deliveries [--limit N] [--json]
                   the latest webhook deliveries and what became of them (reads the data dir)
  jobs [--state S] [--json]
                   queued, running and recent jobs (reads the data dir; the service need not run)
  runs [ID] [--limit N] [--json]
                   the latest agent runs, or one run with its prompt, tool calls and forge changes

options:
  --config PATH    configuration file (default: $CLAUDE_HOOKS_CONFIG, else ./claude-hooks.yaml if present)
  -h, --help       this text`;

async function main(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      state: { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  // `runs <id>`: the only command with an argument.
  const runId = positionals[0] === 'runs' && positionals.length === 2 ? positionals[1] : undefined;
  const command = (runId === undefined ? positionals : positionals.slice(0, 1)).join(' ') || 'serve';
  const run = COMMANDS[command];
  if (!run) {
    console.error(`unknown command: ${command}\n\n${USAGE}`);
    return 2;
  }
  const loaded = loadConfig({ path: values.config, env: process.env, cwd: process.cwd() });
  if (!loaded.ok) {
    printProblems(loaded.error, process.stderr);
    return 1;
  }
  return run(loaded.value, { limit: values.limit, state: values.state, json: values.json ?? false, id: runId });
}

interface CommandOptions {
  readonly limit: string | undefined;
  readonly state: string | undefined;
  readonly json: boolean;
  readonly id?: string;
}

const COMMANDS: Readonly<Record<string, (config: Config, options: CommandOptions) => Promise<number>>> = {
  serve: (config) => serve(config),
  'config check': async (config) => {
    printConfig(config, process.stdout);
    return 0;
  },
  deliveries: (config, options) => printDeliveries(config.dataDir, options),
  jobs: (config, options) => printJobs(config.dataDir, options),
  runs: (config, options) => printRuns(config.dataDir, options),
};

async function serve(config: Config): Promise<number> {
  const log = createLogger({ level: config.logLevel });
  const service = await startService({ config, log, env: process.env, announce: (text) => process.stdout.write(`${text}\n`) });
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        log.warn({ signal }, 'second signal: exiting now');
        process.exit(130);
      }
      stopping = true;
      log.info({ signal }, 'shutting down: finishing in-flight work (send the signal again to exit at once)');
      service.close().then(
        () => {
          log.info('stopped');
          log.flush();
          resolve(0);
        },
        (error: unknown) => {
          log.error({ err: error }, 'shutdown failed');
          resolve(1);
        },
      );
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  },
);

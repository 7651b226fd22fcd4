/**
 * The command table of `claude-hooks`: each command is one entry naming its options, its help and
 * what it needs (the full configuration with secrets, only the data dir, or nothing). Adding a
 * command is adding an entry; `main.ts` parses, resolves and dispatches.
 */
import type { ParseArgsConfig } from 'node:util';
import type { Config, StoreLocation } from '../config/types.js';
import { checkOnline } from './check-online.js';
import { DOCTOR_HELP, DOCTOR_OPTIONS, runDoctor } from './doctor.js';
import { INIT_HELP, INIT_OPTIONS, runInit } from './init.js';
import { printConfig, printRenamedKeys, printSecretsInFile } from './print-config.js';
import { printDeliveries } from './print-deliveries.js';
import { printWorkers } from './print-workers.js';
import { printJobs } from './print-jobs.js';
import { printRuns } from './print-runs.js';
import { serve } from './serve.js';
import { cancelCommand, pauseCommand, resetCommand, sweepCommand } from './admin-commands.js';
import { printSessions, printWorktrees } from './print-housekeeping.js';
import { MIGRATE_HELP, runMigrate } from './migrate.js';
import { MILESTONES_HELP, runMilestones } from './milestones-command.js';
import { PRS_HELP, runPrs } from './prs-command.js';

export type CommandOptions = NonNullable<ParseArgsConfig['options']>;

/** Where a command writes, and the environment it reads: the process's in `main.ts`, captured in tests. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}
export type OptionValues = Readonly<Record<string, string | boolean | Array<string | boolean> | undefined>>;

interface CommandBase {
  /** One or two words: `serve`, `config check`. */
  readonly name: string;
  /** The argument line after the name: `[--limit N] [--json]`. */
  readonly args: string;
  /** One line for the command list. */
  readonly summary: string;
  /** What `claude-hooks <name> --help` adds below the usage line. */
  readonly help: string;
  readonly options: CommandOptions;
  /** How many arguments may follow the name (`runs 12`); none unless said. */
  readonly positionals?: number;
}

/**
 * `config`: the resolved configuration, secrets included (serve, config check). `store`: only
 * where the data dir and the store are (the database URL resolved, no other secret) — read-only
 * commands must not need every agent's token to be set.
 * `nothing`: help texts.
 */
export type Command =
  | (CommandBase & {
      readonly needs: 'config';
      run(config: Config, values: OptionValues, io: CliIo, positionals: readonly string[]): Promise<number>;
    })
  | (CommandBase & {
      readonly needs: 'store';
      run(where: StoreLocation, values: OptionValues, io: CliIo, positionals: readonly string[]): Promise<number>;
    })
  | (CommandBase & {
      readonly needs: 'nothing';
      run(values: OptionValues, positionals: readonly string[], io: CliIo): Promise<number>;
    });

/** Options every command takes. */
export const GLOBAL_OPTIONS = {
  config: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies CommandOptions;

const GLOBAL_HELP = `  --config PATH    configuration file (default: $CLAUDE_HOOKS_CONFIG, else ./claude-hooks.yaml if present)
  -h, --help       this text`;

const ADMIN_HELP =
  "When a running service holds the data dir, this goes through its admin API (adminToken);\notherwise it works on the data dir directly, holding its lock. With store: postgres it always goes\nthrough a running worker's admin API (other workers may share the database). Either way it is audited.";

export const COMMANDS: readonly Command[] = [
  {
    name: 'serve',
    args: '',
    summary: 'run the service (the default command); SIGTERM or Ctrl-C drains and stops it',
    help: 'Runs the service: webhook intake, dispatch, the operator API. The first signal (SIGTERM, SIGINT)\nfinishes in-flight work and stops; a second one exits at once.',
    options: {},
    needs: 'config',
    run: (config) => serve(config),
  },
  {
    name: 'config check',
    args: '[--online]',
    summary: 'validate the configuration and print it, secrets redacted',
    help: "Validates the configuration file and the environment overrides, listing every problem with\nwhere it comes from (file:line or the environment variable); exits 1 when there is one. Otherwise\nprints the effective configuration in the file's own form, secrets as their references, and\nwarns about every secret written in the file itself (`{ value: … }`) instead of referenced, and\nabout every key written under its old name (`agents.<name>.workspace` is now `worktree`).\n\n  --online         also check every agent's token and login with the forge (GET /user)",
    options: { online: { type: 'boolean' } },
    needs: 'config',
    run: async (config, values, io) => {
      printConfig(config, io.stdout);
      printSecretsInFile(config, io.stderr);
      printRenamedKeys(config, io.stderr);
      return values.online === true ? checkOnline(config, io.stdout, io.stderr) : 0;
    },
  },
  {
    name: 'config',
    args: '<subcommand>',
    summary: 'configuration commands (see `claude-hooks config --help`)',
    help: '',
    options: {},
    needs: 'nothing',
    run: async (_values, positionals, io) => {
      if (positionals.length > 0) {
        io.stderr.write(`unknown config subcommand: ${positionals.join(' ')}\n\n${groupUsage('config')}\n`);
        return 2;
      }
      io.stdout.write(`${groupUsage('config')}\n`);
      return 0;
    },
  },
  {
    name: 'deliveries',
    args: '[--limit N] [--json]',
    summary: 'the latest webhook deliveries and what became of them (reads the data dir)',
    help: "Reads the store (the data dir's database, or PostgreSQL with store: postgres); the service need\nnot run, and no secret but the database URL has to be set.\n\n  --limit N        how many, newest first (default 50)\n  --json           JSON instead of a table",
    options: { limit: { type: 'string' }, json: { type: 'boolean' } },
    needs: 'store',
    run: (where, values) =>
      printDeliveries(where, { limit: values.limit as string | undefined, json: values.json === true }),
  },
  {
    name: 'jobs',
    args: '[--state S]... [--limit N] [--json]',
    summary: 'queued, running and recent jobs (reads the data dir; the service need not run)',
    help: `Reads the store (the data dir's database, or PostgreSQL with store: postgres); the service need\nnot run, and no secret but the database URL has to be set.\n\n  --state S        only jobs in state S (queued, running, succeeded, failed, cancelled);\n                   repeat it or separate states with commas\n  --limit N        how many, newest first (default 50)\n  --json           JSON instead of a table`,
    options: { state: { type: 'string', multiple: true }, limit: { type: 'string' }, json: { type: 'boolean' } },
    needs: 'store',
    run: (where, values, io) =>
      printJobs(
        where,
        {
          state: values.state as string[] | undefined,
          limit: values.limit as string | undefined,
          json: values.json === true,
        },
        io,
      ),
  },
  {
    name: 'workers',
    args: '[--json]',
    summary: 'the workers sharing the store: alive or not, what each runs and leads, its disk',
    help: 'Reads the store; the service need not run on this machine. With store: postgres it lists every\nworker seen in the last day, alive first; with SQLite there is one worker, the service on the data dir.\n\n  --json           JSON instead of a table',
    options: { json: { type: 'boolean' } },
    needs: 'store',
    run: (where, values, io) => printWorkers(where, { json: values.json === true }, io),
  },
  {
    name: 'runs',
    args: '[ID] [--limit N] [--json]',
    summary: 'the latest agent runs, or one run with its prompt, tool calls and forge changes (reads the data dir)',
    help: "Reads the store (the data dir's database, or PostgreSQL with store: postgres); the service need\nnot run, and no secret but the database URL has to be set.\n\n  ID               show one run: its events, the prompt it was sent (secrets redacted), tool calls and changes\n  --limit N        how many, newest first (default 50)\n  --json           JSON instead of a table",
    options: { limit: { type: 'string' }, json: { type: 'boolean' } },
    needs: 'store',
    positionals: 1,
    run: (where, values, _io, positionals) =>
      printRuns(where, { id: positionals[0], limit: values.limit as string | undefined, json: values.json === true }),
  },
  {
    name: 'milestones',
    args: '[OWNER/NAME#N] [--json] [--pause | --resume]',
    summary: 'each milestone: progress, ready, blocked, in flight; or one with its stories; pause or resume one',
    help: MILESTONES_HELP,
    options: { json: { type: 'boolean' }, pause: { type: 'boolean' }, resume: { type: 'boolean' } },
    needs: 'config',
    positionals: 1,
    run: (config, values, io, positionals) => runMilestones(config, values, io, positionals),
  },
  {
    name: 'prs',
    args: '[--all] [--json]',
    summary:
      'the pull requests seen through to the merge: checks, fix attempts, reruns, flaky checks, what each waits on',
    help: PRS_HELP,
    options: { all: { type: 'boolean' }, json: { type: 'boolean' } },
    needs: 'config',
    run: (config, values, io) => runPrs(config, values, io),
  },
  {
    name: 'init',
    args: '--forge URL (--org ORG | --repo OWNER/NAME)... --public-url URL [--agents LIST] [--dry-run]',
    summary: 'set up the forge (bot users, tokens, access, labels, webhook, branch protection) and write the config',
    help: INIT_HELP,
    options: INIT_OPTIONS,
    needs: 'nothing',
    run: async (values, positionals, io) => {
      if (positionals.length > 0) {
        io.stderr.write(`unexpected argument: ${positionals.join(' ')} (repositories go with --repo OWNER/NAME)\n`);
        return 2;
      }
      return runInit(values, io);
    },
  },
  {
    name: 'doctor',
    args: '[--json] [--model] [--service-url URL] [--wait SECONDS]',
    summary: 'check the installation against the live forge and the running service: ✓/✗ with the fix of each ✗',
    help: DOCTOR_HELP,
    options: DOCTOR_OPTIONS,
    needs: 'config',
    run: (config, values, io) => runDoctor(config, values, io),
  },
  {
    name: 'reset',
    args: '[--agent A] [--repo OWNER/NAME] [--issue N] [--branch B] --scope session|worktree|cache|all [--dry-run] [--force]',
    summary: 'forget sessions, remove worktrees, drop caches for the keys named (POST /admin/reset)',
    help: `${ADMIN_HELP}\n\n  --agent, --repo, --issue, --branch   which keys (at least one)\n  --scope S        session, worktree, cache (needs --repo) or all\n  --dry-run        say what would be done, do nothing\n  --force          cancel a running job of those keys first (else refused)`,
    options: {
      agent: { type: 'string' },
      repo: { type: 'string' },
      issue: { type: 'string' },
      branch: { type: 'string' },
      scope: { type: 'string' },
      'dry-run': { type: 'boolean' },
      force: { type: 'boolean' },
    },
    needs: 'config',
    run: (config, values, io) => resetCommand(config, values, io),
  },
  {
    name: 'sweep',
    args: '[--dry-run] [--task NAME]',
    summary: 'run the sweeper now: expire sessions, worktrees, the attic, old records (POST /admin/sweep)',
    help: `${ADMIN_HELP}\n\n  --dry-run        report what would be removed, remove nothing\n  --task NAME      one task: sessions, transcripts, worktrees, attic, strays, caches, retention, disk`,
    options: { 'dry-run': { type: 'boolean' }, task: { type: 'string' } },
    needs: 'config',
    run: (config, values, io) => sweepCommand(config, values, io),
  },
  {
    name: 'pause',
    args: '[--agent A [--repo OWNER/NAME --issue N]] [--reason TEXT]',
    summary: 'hold dispatch: all, one agent, or one key (deliveries are still stored)',
    help: `${ADMIN_HELP}`,
    options: {
      agent: { type: 'string' },
      repo: { type: 'string' },
      issue: { type: 'string' },
      reason: { type: 'string' },
    },
    needs: 'config',
    run: (config, values, io) => pauseCommand('pause')(config, values, io),
  },
  {
    name: 'resume',
    args: '[--agent A [--repo OWNER/NAME --issue N]]',
    summary: "lift a pause (and a circuit breaker's) for all, one agent, or one key",
    help: `${ADMIN_HELP}`,
    options: { agent: { type: 'string' }, repo: { type: 'string' }, issue: { type: 'string' } },
    needs: 'config',
    run: (config, values, io) => pauseCommand('resume')(config, values, io),
  },
  {
    name: 'cancel',
    args: '<job id>',
    summary: 'cancel a queued or running job (POST /admin/jobs/<id>/cancel)',
    help: `${ADMIN_HELP}`,
    options: {},
    positionals: 1,
    needs: 'config',
    run: (config, _values, io, positionals) => cancelCommand(config, io, positionals),
  },
  {
    name: 'sessions',
    args: '[--limit N] [--json]',
    summary: 'agent sessions per work key (reads the data dir)',
    help: "Reads the store (the data dir's database, or PostgreSQL with store: postgres); the service need not run.\n\n  --limit N        how many, most recently used first (default 50)\n  --json           JSON instead of a table",
    options: { limit: { type: 'string' }, json: { type: 'boolean' } },
    needs: 'store',
    run: (where, values, io) =>
      printSessions(where, { limit: values.limit as string | undefined, json: values.json === true }, io),
  },
  {
    name: 'worktrees',
    args: '[--json]',
    summary: 'the worktrees on disk, by agent and target, with when each was last used (reads the data dir)',
    help: "Reads the data dir's worktree records; the service need not run.\n\n  --json           JSON instead of a table",
    options: { json: { type: 'boolean' } },
    needs: 'store',
    run: (where, values, io) => printWorktrees(where.dataDir, { json: values.json === true }, io),
  },
  {
    name: 'migrate',
    args: '[--from sqlite:DIR]',
    summary: 'bring the PostgreSQL schema up to date, or copy a SQLite installation into PostgreSQL',
    help: MIGRATE_HELP,
    options: { from: { type: 'string' } },
    needs: 'store',
    run: (where, values, io) => runMigrate(where, { from: values.from as string | undefined }, io),
  },
  {
    name: 'help',
    args: '[command]',
    summary: 'this text, or the help of one command',
    help: '',
    options: {},
    needs: 'nothing',
    run: async (_values, positionals, io) => {
      const topic = positionals.join(' ');
      if (topic === '') {
        io.stdout.write(`${usage()}\n`);
        return 0;
      }
      const command = findCommand(positionals);
      if (!command || command.words !== positionals.length) {
        io.stderr.write(`unknown command: ${topic}\n\n${usage()}\n`);
        return 2;
      }
      io.stdout.write(`${commandHelp(command.command)}\n`);
      return 0;
    },
  },
];

/** The command named by the leading words (two-word names first), and how many words it took. */
export function findCommand(positionals: readonly string[]): { command: Command; words: number } | undefined {
  for (const words of [2, 1]) {
    if (positionals.length < words) continue;
    const name = positionals.slice(0, words).join(' ');
    const command = COMMANDS.find((c) => c.name === name);
    if (command) return { command, words };
  }
  return undefined;
}

export function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)} ${c.summary}`);
  return `usage: claude-hooks <command> [options]\n\ncommands:\n${lines.join('\n')}\n\noptions:\n${GLOBAL_HELP}\n\n\`claude-hooks help <command>\` or \`claude-hooks <command> --help\` describes one command.`;
}

export function commandHelp(command: Command): string {
  if (command.needs === 'nothing' && command.help === '' && command.name !== 'help') return groupUsage(command.name);
  const line = `usage: claude-hooks ${command.name}${command.args ? ` ${command.args}` : ''} [--config PATH]`;
  return [
    line,
    '',
    command.summary,
    ...(command.help ? ['', command.help] : []),
    '',
    'options every command takes:',
    GLOBAL_HELP,
  ].join('\n');
}

/** `claude-hooks config`: the commands under one word. */
function groupUsage(group: string): string {
  const members = COMMANDS.filter((c) => c.name.startsWith(`${group} `));
  const width = Math.max(...members.map((c) => c.name.length)) + 2;
  return `usage: claude-hooks ${group} <subcommand> [options]\n\nsubcommands:\n${members.map((c) => `  ${c.name.padEnd(width)} ${c.summary}`).join('\n')}`;
}

/**
 * The `claude-hooks` command line: finds the command in the table (`commands.ts`), parses its
 * options strictly, gives it what it needs, and turns bad input into a message and exit code 2.
 */
import { parseArgs } from 'node:util';
import { loadConfig, loadStoreLocation, type ConfigProblem } from '../config/load-config.js';
import {
  COMMANDS,
  commandHelp,
  findCommand,
  GLOBAL_OPTIONS,
  usage,
  type CliIo,
  type CommandOptions,
} from './commands.js';
import { printProblems } from './print-config.js';

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const print = (text: string) => {
    io.stdout.write(`${text}\n`);
    return 0;
  };
  const fail = (message: string, help: string) => {
    io.stderr.write(`${message}\n\n${help}\n`);
    return 2;
  };
  const invalid = (problems: readonly ConfigProblem[]) => {
    printProblems(problems, io.stderr);
    return 1;
  };

  // A lenient first pass, knowing every command's options, only to find the command words.
  const allOptions: CommandOptions = Object.assign({}, ...COMMANDS.map((c) => c.options), GLOBAL_OPTIONS);
  const first = parseArgs({ args: [...argv], allowPositionals: true, strict: false, options: allOptions });
  if (first.positionals.length === 0) {
    if (first.values.help) return print(usage());
    first.positionals.push('serve');
  }
  const found = findCommand(first.positionals);
  if (!found) return fail(`unknown command: ${first.positionals.join(' ')}`, usage());
  const { command } = found;

  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: { ...GLOBAL_OPTIONS, ...command.options },
    });
  } catch (error) {
    return fail((error as Error).message, commandHelp(command));
  }
  const values = parsed.values;
  if (values.help) return print(commandHelp(command));
  const rest = parsed.positionals.slice(found.words);
  if (command.needs === 'nothing') return command.run(values, rest, io);
  const allowed = command.positionals ?? 0;
  if (rest.length > allowed) return fail(`unexpected argument: ${rest.slice(allowed).join(' ')}`, commandHelp(command));

  const where = { path: values.config as string | undefined, env: io.env, cwd: io.cwd };
  if (command.needs === 'store') {
    const located = loadStoreLocation(where);
    if (!located.ok) return invalid(located.error);
    return command.run(located.value, values, io, rest);
  }
  const loaded = loadConfig(where);
  if (!loaded.ok) return invalid(loaded.error);
  return command.run(loaded.value, values, io, rest);
}

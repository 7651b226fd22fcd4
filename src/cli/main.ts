/**
 * The `claude-hooks` executable: the command line (`run-cli.ts`) on this process's arguments,
 * streams and environment. Only this folder and `src/main.ts` read the process environment.
 */
import { runCli } from './run-cli.js';

runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  },
);

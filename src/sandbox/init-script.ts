/**
 * The first program inside a sandbox: it listens on a loopback port and forwards each connection
 * to the service's socket bound into the sandbox (the sandbox has no network, and the runtime and
 * git speak only TCP), then runs the command and exits as it does. It holds no secret and takes
 * its arguments from the command line: `init.cjs <socket> <port> <command> [args…]`.
 *
 * Written to the data dir by the service (like the credential helper), so a built install needs
 * no extra file, and bound read-only into every sandbox.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { replaceFile } from '../lib/replace-file.js';

export const INIT_NAME = 'sandbox-init.cjs';

const INIT_SCRIPT = `'use strict';
// claude-hooks sandbox init: forwards 127.0.0.1:<port> to the service's socket, runs the command.
const net = require('node:net');
const { spawn } = require('node:child_process');
const [socket, port, command, ...args] = process.argv.slice(2);
const server = net.createServer((inside) => {
  const service = net.connect(socket);
  inside.pipe(service).pipe(inside);
  inside.on('error', () => service.destroy());
  service.on('error', () => inside.destroy());
});
server.on('error', (error) => {
  process.stderr.write('claude-hooks sandbox: cannot listen on 127.0.0.1:' + port + ': ' + error.message + '\\n');
  process.exit(70);
});
server.listen(Number(port), '127.0.0.1', () => {
  const child = spawn(command, args, { stdio: 'inherit' });
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('error', (error) => {
    process.stderr.write('claude-hooks sandbox: cannot start ' + command + ': ' + error.message + '\\n');
    process.exit(71);
  });
  child.on('exit', (code, signal) => process.exit(code === null ? 128 + (require('node:os').constants.signals[signal] || 1) : code));
});
`;

/** Writes the init script into `dir` if it is missing or differs; answers its path. */
export async function ensureInitScript(dir: string): Promise<string> {
  const path = join(dir, INIT_NAME);
  const current = await readFile(path, 'utf8').catch(() => undefined);
  if (current !== INIT_SCRIPT) await replaceFile(path, INIT_SCRIPT, 0o644);
  return path;
}

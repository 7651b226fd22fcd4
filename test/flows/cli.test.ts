/**
 * `claude-hooks` as a new user meets it: help, read-only commands, bad input. Help and argument
 * errors run the command line in-process (`runCli`); what needs the real executable spawns it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { systemClock } from '../../src/lib/clock.js';
import { openStore } from '../../src/store/open-store.js';
import { runCli } from '../../src/cli/run-cli.js';
import { CLI, PROJECT_ROOT } from '../support/service-process.js';

function cli(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const cwd = options.cwd ?? mkdtempSync(join(tmpdir(), 'claude-hooks-cli-'));
  return spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...options.env },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

/** The command line in-process, its output captured. */
async function run(args: readonly string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const status = await runCli(args, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    env: {},
    cwd: mkdtempSync(join(tmpdir(), 'claude-hooks-cli-')),
  });
  return { status, stdout, stderr };
}

/** A folder set up as the README says: the example config copied, skills beside it, no token set. */
async function exampleFolder(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'claude-hooks-cli-'));
  copyFileSync(join(PROJECT_ROOT, 'claude-hooks.example.yaml'), join(dir, 'claude-hooks.yaml'));
  cpSync(join(PROJECT_ROOT, 'skills'), join(dir, 'skills'), { recursive: true });
  const store = await openStore(
    { kind: 'sqlite' },
    { dataDir: join(dir, 'data'), clock: systemClock, dedupWindowMs: 0 },
  );
  await store.close();
  return dir;
}

describe('the claude-hooks command line', () => {
  for (const [command, usage] of [
    ['jobs', /^usage: claude-hooks jobs \[--state S\]\.\.\. \[--limit N\] \[--json\]/],
    ['deliveries', /^usage: claude-hooks deliveries \[--limit N\] \[--json\]/],
    ['serve', /^usage: claude-hooks serve /],
    ['config check', /^usage: claude-hooks config check /],
  ] as const) {
    it(`prints the help of \`${command}\` for \`${command} --help\` and \`help ${command}\``, async () => {
      const flag = await run([...command.split(' '), '--help']);
      const help = await run(['help', ...command.split(' ')]);

      assert.equal(flag.status, 0, flag.stderr);
      assert.match(flag.stdout, usage);
      assert.equal(help.stdout, flag.stdout);
    });
  }

  it('prints the general usage for `help` and `--help`, listing every command', async () => {
    const help = await run(['help']);
    const flag = await run(['--help']);

    assert.equal(help.status, 0);
    assert.equal(help.stdout, flag.stdout);
    for (const command of ['serve', 'config check', 'deliveries', 'jobs', 'help'])
      assert.match(help.stdout, new RegExp(`^  ${command} `, 'm'));
  });

  it('lists the config subcommands for `config`, and refuses an unknown one', async () => {
    const group = await run(['config']);
    const unknown = await run(['config', 'chekc']);

    assert.equal(group.status, 0);
    assert.match(group.stdout, /^usage: claude-hooks config <subcommand>/);
    assert.match(group.stdout, /^  config check /m);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /unknown config subcommand: chekc/);
  });

  it('refuses an unknown command, an unknown option and a stray argument with exit code 2', async () => {
    const command = await run(['jbos']);
    const option = await run(['jobs', '--stat', 'queued']);
    const stray = await run(['jobs', 'queued']);
    const help = await run(['help', 'jbos']);

    assert.deepEqual([command.status, option.status, stray.status, help.status], [2, 2, 2, 2]);
    assert.match(command.stderr, /unknown command: jbos/);
    assert.match(option.stderr, /Unknown option '--stat'/);
    assert.match(stray.stderr, /unexpected argument: queued/);
    assert.match(help.stderr, /unknown command: jbos/);
  });

  it('prints the help through the installed executable too', () => {
    const result = cli(['jobs', '--help']);

    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^usage: claude-hooks jobs /);
  });

  it('reads jobs and deliveries with the example config copied and no token set', async () => {
    const dir = await exampleFolder();

    const jobs = cli(['jobs'], { cwd: dir });
    const deliveries = cli(['deliveries'], { cwd: dir });
    const check = cli(['config', 'check'], { cwd: dir });

    assert.equal(jobs.status, 0, jobs.stderr);
    assert.equal(jobs.stdout, 'no jobs\n');
    assert.equal(deliveries.status, 0, deliveries.stderr);
    assert.equal(check.status, 1, 'serving and checking do need the tokens');
    assert.match(check.stderr, /BOSS_FORGE_TOKEN is not set/);
  });

  // Every bad limit is specified in job-query.test.ts; here, that the CLI uses that parser.
  for (const limit of ['abc', '--limit=-5']) {
    it(`refuses \`jobs ${limit.startsWith('--') ? limit : `--limit ${limit}`}\` with a clear message, before touching the database`, async () => {
      const result = await run(['jobs', ...(limit.startsWith('--') ? [limit] : ['--limit', limit])]);

      assert.equal(result.status, 2);
      assert.match(result.stderr, /limit must be a whole number from 1 to \d+, got "/);
    });
  }

  it('takes several states for `jobs`', async () => {
    const dir = await exampleFolder();

    const result = cli(['jobs', '--state', 'queued', '--state', 'running,failed', '--json'], { cwd: dir });

    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), []);
  });

  // Every command that reads the data dir or acts on it, as a newcomer runs it before `serve`.
  for (const command of [
    ['jobs'],
    ['deliveries'],
    ['runs'],
    ['sessions'],
    ['worktrees'],
    ['sweep'],
    ['pause'],
    ['resume'],
    ['cancel', '7'],
    ['reset', '--agent', 'dev', '--scope', 'session'],
  ]) {
    it(`says \`${command.join(' ')}\` found no data dir, and how to start the service, instead of a raw ENOENT`, () => {
      const dataDir = join(mkdtempSync(join(tmpdir(), 'claude-hooks-cli-')), 'nope');

      const result = cli(command, { env: { CLAUDE_HOOKS_DATA_DIR: dataDir } });

      assert.equal(result.status, 1, result.stderr);
      assert.equal(result.stdout, '');
      assert.equal(
        result.stderr,
        `no claude-hooks data dir at ${dataDir}: start the service once with this configuration (\`claude-hooks serve\`, or \`npm start\` in a checkout), or point this command at the data dir the service uses (dataDir in the config file, or CLAUDE_HOOKS_DATA_DIR)\n`,
      );
      assert.equal(existsSync(dataDir), false, 'the command created nothing');
    });
  }

  it('says the service has not run yet when the data dir holds no database, and creates none', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'claude-hooks-cli-'));

    const jobs = cli(['jobs'], { env: { CLAUDE_HOOKS_DATA_DIR: dataDir } });
    const pause = cli(['pause'], { env: { CLAUDE_HOOKS_DATA_DIR: dataDir } });

    for (const result of [jobs, pause]) {
      assert.equal(result.status, 1, result.stderr);
      assert.match(
        result.stderr,
        new RegExp(
          `^no database in ${dataDir}: the service has not run with this data dir yet; start the service once with this configuration \\(\`claude-hooks serve\`, `,
        ),
      );
    }
    assert.deepEqual(readdirSync(dataDir), []);
  });
});

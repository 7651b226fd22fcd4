// `npm test`: type-check the whole project, then run every *.test.ts with Node's own test runner
// (TypeScript through tsx). Extra arguments are passed through: `npm test -- src/store`.
// `npm run test:unit` / `npm run test:flows` (`--tier=unit|flows`) run one tier, without the type
// check; extra arguments narrow a tier the same way. `--list` prints the files instead of running
// them. The tiers are described in docs/testing.md.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const options = process.argv.slice(2).filter((arg) => arg.startsWith('--'));
const paths = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const roots = paths.length > 0 ? paths : ['src', 'test', 'bench', 'demo'];
const tier = options.find((option) => option.startsWith('--tier='))?.slice('--tier='.length);
const listOnly = options.includes('--list');
const unknown = options.filter((option) => option !== '--list' && !option.startsWith('--tier='));
if (unknown.length > 0 || (tier !== undefined && tier !== 'unit' && tier !== 'flows')) {
  console.error(`usage: node scripts/test.mjs [--tier=unit|flows] [--list] [path ...]`);
  process.exit(2);
}

// The tiers. unit: the tests under src/ and test/store-contract/, except the slow ones below;
// it is what a developer runs while working, and must finish within a minute on an idle 2-core
// machine (docs/testing.md). flows: all the others — test/flows/, the doubles' own tests in
// test/support/, bench/, demo/ — and the slow ones below. A new test beside its module is a unit
// test; list it here, saying why, only when it starts the forge double or cannot be made quicker
// than about 2.5 s (the times are the file's on its own on an idle 2-core machine). The store
// contract stays whole, its PostgreSQL half included (dashboard.test.ts: 10 s with it): it is
// the stores' specification.
const UNIT_DIRS = ['src/', 'test/store-contract/'];
const SLOW = {
  // No real waits left (its time is a manual clock), but a SQLite store and a dispatcher per test.
  'src/queue/dispatcher.test.ts': '26 stores and dispatchers: 4 s',
  // Real time it waits out on purpose: timeouts, retry delays, schedules.
  'src/http/connection-limits.test.ts': 'request, headers and keep-alive timeouts; 1,000 open connections: 8 s',
  'src/workdir/run-git-timeouts.test.ts': "git's hard cap and idle time: 4 s",
  'src/housekeeping/schedule.test.ts': 'a per-second cron schedule, waited for tick by tick: 3 s',
  'src/store/postgres/pool.test.ts': 'connect and statement timeouts: 3 s',
  'src/workdir/hung-remote.test.ts': "a git server that never answers, and the lock's wait: 3 s",
  // Many real git operations over HTTP (git http-backend), or processes killed mid-operation.
  'src/workdir/crash.test.ts': 'acquiring processes killed with SIGKILL: 10 s',
  'src/workdir/acquire.test.ts': 'clones, fetches and force-pushes: 9 s',
  'src/workdir/known-heads-acquire.test.ts': 'fetches, pushes and background fetches, requests counted: 8 s',
  'src/sandbox/git-proxy.test.ts': 'git through the proxy: 4 s',
  'src/workdir/remove.test.ts': 'worktrees saved and removed: 3.5 s',
  'src/workdir/auth.test.ts': 'authenticated clones and pushes: 3.5 s',
  // The forge double with its OpenAPI check: git http-backend and a swagger converted and
  // compiled, about a second of CPU before the first test; the files that start it all go here.
  'src/agent/forge-tools/forge-tools.test.ts': 'every forge tool against the double: 3.3 s',
  'src/agent/forge-tools/planning-tools.test.ts': "the planner's issues and dependencies on the double: 3 s",
  'src/agent/prompt/compose.test.ts': 'prompts composed from threads on the double: 3 s',
  'src/onboarding/init-steps.test.ts': 'init against the double: 2.6 s',
  'src/forge/rest/gitea-client-writes.test.ts': 'every write of the REST client: 2.5 s',
  'src/agent/status/status-reporter.test.ts': 'status comments on the double: 2.3 s',
  'src/forge/rest/gitea-client.test.ts': 'the REST client reading: 2.2 s',
  'src/forge/rest/gitea-client-thread.test.ts': 'the REST client reading a thread: 1.9 s',
  'src/forge/rest/gitea-client-checks.test.ts': 'statuses, Actions, logs, reruns and merges on the double: 5.5 s',
  'src/onboarding/doctor-access.test.ts': "doctor's access checks: 1.9 s",
  'src/onboarding/doctor-checks.test.ts': "doctor's token checks: 1.8 s",
  'src/forge/check-agents.test.ts': "the start-up check of the agents' tokens: 1.3 s",
  // Volume, or the CLI run as a process.
  'src/http/webhook-route.test.ts': 'a 1 MiB body stored 500 times: 6 s',
  'src/queue/pick-jobs.test.ts': '2,000 jobs queued: 3 s',
  'src/http/runs-route.test.ts': '`claude-hooks runs` run as a process: 3 s',
  'src/http/deliveries-route.test.ts': '`claude-hooks deliveries` run as a process: 2.6 s',
};
for (const file of Object.keys(SLOW)) {
  if (!existsSync(join(root, file))) {
    console.error(`scripts/test.mjs lists ${file} as slow, but there is no such file: update SLOW`);
    process.exit(2);
  }
}
const tierOf = (file) =>
  UNIT_DIRS.some((dir) => file.startsWith(dir)) && !Object.hasOwn(SLOW, file) ? 'unit' : 'flows';

function findTests(path, out) {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return out;
  }
  if (stat.isFile()) {
    if (path.endsWith('.test.ts')) out.push(path);
    return out;
  }
  for (const name of readdirSync(path)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    findTests(join(path, name), out);
  }
  return out;
}

const files = roots
  .flatMap((r) => findTests(join(root, r), []))
  .map((f) => relative(root, f))
  .sort()
  .filter((file) => tier === undefined || tierOf(file) === tier);
if (files.length === 0) {
  console.error('no test files found under', roots.join(', '), tier ? `in the ${tier} tier` : '');
  process.exit(1);
}
if (listOnly) {
  console.log(files.join('\n'));
  process.exit(0);
}

if (process.argv.length <= 2) {
  const tsc = spawnSync(
    process.execPath,
    [join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', 'tsconfig.json'],
    { cwd: root, stdio: 'inherit' },
  );
  if (tsc.status !== 0) {
    console.error('type check failed');
    process.exit(tsc.status ?? 1);
  }
}

// A per-test timeout, so that nothing can hang the suite (or CI): a test that starts a process
// must also stop it in `after`/`finally`, and this bounds the damage when one forgets.
const timeoutMs = Number(process.env.CLAUDE_HOOKS_TEST_TIMEOUT_MS ?? 300_000);
const run = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=2',
    `--test-timeout=${timeoutMs}`,
    '--test-reporter=spec',
    ...files,
  ],
  { cwd: root, stdio: 'inherit' },
);
// Node counts a skipped suite as no skipped test: without this line the summary would end on
// "skipped 0" when every PostgreSQL test was skipped (each skips through one of these two).
const hasPostgresTests = files.some((file) => /postgresSkip|forEachStore/.test(readFileSync(join(root, file), 'utf8')));
if (hasPostgresTests && !process.env.CLAUDE_HOOKS_TEST_DATABASE_URL) {
  console.error(
    '\n*** SKIPPED: the PostgreSQL tests did not run: CLAUDE_HOOKS_TEST_DATABASE_URL is not set (docs/testing.md: a local PostgreSQL) ***\n',
  );
}
process.exit(run.status ?? 1);

// `npm test`: type-check the whole project, then run every *.test.ts with Node's own test runner
// (TypeScript through tsx). Extra arguments are passed through: `npm test -- src/store`.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const roots = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['src', 'test', 'bench', 'demo'];

function findTests(path, out) {
  let stat;
  try { stat = statSync(path); } catch { return out; }
  if (stat.isFile()) { if (path.endsWith('.test.ts')) out.push(path); return out; }
  for (const name of readdirSync(path)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    findTests(join(path, name), out);
  }
  return out;
}

const files = roots.flatMap((r) => findTests(join(root, r), [])).map((f) => relative(root, f)).sort();
if (files.length === 0) { console.error('no test files found under', roots.join(', ')); process.exit(1); }

if (process.argv.length <= 2) {
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
  if (tsc.status !== 0) { console.error('type check failed'); process.exit(tsc.status ?? 1); }
}

// A per-test timeout, so that nothing can hang the suite (or CI): a test that starts a process
// must also stop it in `after`/`finally`, and this bounds the damage when one forgets.
const timeoutMs = Number(process.env.CLAUDE_HOOKS_TEST_TIMEOUT_MS ?? 300_000);
const run = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', `--test-timeout=${timeoutMs}`, '--test-reporter=spec', ...files], { cwd: root, stdio: 'inherit' });
process.exit(run.status ?? 1);

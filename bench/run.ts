/**
 * `npm run bench` runs every benchmark in turn; `npm run bench -- <name>` runs one.
 * A benchmark is `bench/<name>.ts` exporting `run(): Promise<void>` that calls `writeReport`.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = import.meta.dirname;
const available = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.endsWith('.test.ts'))
  .map((f) => f.slice(0, -3))
  .sort();
/** Names that cannot be file names here (`run.ts` is this file). */
const ALIASES: Readonly<Record<string, string>> = { run: 'run-agent' };
const wanted = process.argv
  .slice(2)
  .filter((a) => !a.startsWith('-'))
  .map((a) => ALIASES[a] ?? a);
const unknown = wanted.filter((w) => !available.includes(w));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; available: ${available.join(', ')}`);
  process.exit(2);
}
for (const name of wanted.length > 0 ? wanted : available) {
  const mod = (await import(join(dir, `${name}.ts`))) as { run: () => Promise<void> };
  await mod.run();
}

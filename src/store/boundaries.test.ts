/**
 * The store's boundary, kept by a test (docs/decisions.md §27): outside `src/store/`, nothing imports
 * an implementation (`store/sqlite/`, `store/postgres/`) or a database driver; the store is
 * reached through `open-store.ts`, `migrate-store.ts` and the ports. Test helpers that own the
 * SQL a test asserts with (`test/support/store-rows.ts`, `test/support/postgres.ts`,
 * `test/support/postgres-rows.ts`) and the store's own contract suite (`test/store-contract/`,
 * which opens each implementation and tries PostgreSQL's concurrency) are the named exceptions.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';

const ROOT = join(import.meta.dirname, '..', '..');
const SCANNED = ['src', 'test', 'bench', 'demo', 'scripts'];
const ALLOWED = new Set(['test/support/store-rows.ts', 'test/support/postgres.ts', 'test/support/postgres-rows.ts']);
const ALLOWED_DIRS = ['src/store/', 'test/store-contract/'];
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"]([^'"]+)['"]/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(path);
    return /\.(ts|mts|js|mjs)$/.test(entry.name) ? [path] : [];
  });
}

/** Why an import from `file` crosses the boundary, or undefined when it does not. */
function violation(file: string, specifier: string): string | undefined {
  if (specifier === 'better-sqlite3' || specifier === 'pg' || specifier.startsWith('pg/') || specifier === 'postgres')
    return `imports the driver ${specifier}`;
  if (/(^|\/)store\/(sqlite|postgres)\//.test(specifier) || /^\.\.?\/(sqlite|postgres)\//.test(specifier)) {
    const target = join(file, '..', specifier);
    if (/\/src\/store\/(sqlite|postgres)\//.test(target)) return `imports the store implementation ${specifier}`;
  }
  return undefined;
}

function crossings(): string[] {
  const found: string[] = [];
  for (const top of SCANNED) {
    for (const file of sourceFiles(join(ROOT, top))) {
      const name = relative(ROOT, file);
      if (ALLOWED_DIRS.some((dir) => name.startsWith(dir)) || ALLOWED.has(name)) continue;
      for (const [, specifier] of readFileSync(file, 'utf8').matchAll(IMPORT)) {
        const why = violation(file, specifier!);
        if (why) found.push(`${name} ${why}`);
      }
    }
  }
  return found;
}

describe('the store boundary', () => {
  it('is crossed by no file outside src/store/: no driver, no store implementation', () => {
    assert.deepEqual(crossings(), [], 'go through src/store/open-store.ts (or migrate-store.ts) and the ports instead');
  });

  const cases: ReadonlyArray<[string, string, boolean]> = [
    ['src/main.ts', './store/sqlite/sqlite-store.js', true],
    ['src/cli/jobs.ts', '../store/postgres/pool.js', true],
    ['test/flows/x.test.ts', '../../src/store/sqlite/migrations.js', true],
    ['src/http/x.ts', 'better-sqlite3', true],
    ['src/http/x.ts', 'pg', true],
    ['src/main.ts', './store/open-store.js', false],
    ['src/main.ts', './store/ports.js', false],
    ['src/http/x.ts', 'node:fs', false],
  ];
  for (const [file, specifier, crosses] of cases) {
    it(`${crosses ? 'catches' : 'lets through'} ${specifier} imported by ${file}`, () => {
      assert.equal(violation(join(ROOT, file), specifier) !== undefined, crosses);
    });
  }
});

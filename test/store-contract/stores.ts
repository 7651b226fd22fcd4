/**
 * The contract suite's two implementations: each contract file calls `forEachStore` once, and
 * every test in it runs against SQLite (a fresh data dir) and PostgreSQL (a fresh schema), so the
 * two stores are held to one behaviour. PostgreSQL is skipped — loudly — without
 * CLAUDE_HOOKS_TEST_DATABASE_URL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe } from 'node:test';
import { manualClock } from '../../src/lib/clock.js';
import { Secret } from '../../src/lib/secret.js';
import type { Store } from '../../src/store/ports.js';
import { openStore } from '../../src/store/open-store.js';
import { dropSchema, freshSchemaName, postgresSkip, TEST_DATABASE_URL } from '../support/postgres.js';
import { pgStoreRows } from '../support/postgres-rows.js';
import { storeRows, type StoreRows } from '../support/store-rows.js';

export type TestClock = ReturnType<typeof manualClock>;

export interface StoreOptions {
  readonly dedupWindowMs?: number;
}

export interface ContractContext {
  /** `sqlite` or `postgres`: for the rare assertion that differs (there should be none). */
  readonly kind: Store['kind'];
  /** Opens a fresh, empty store (closed and removed after the test) on a clock the test moves. */
  open(options?: StoreOptions): Promise<{ store: Store; clock: TestClock; rows(): Promise<StoreRows> }>;
}

interface Implementation {
  readonly kind: Store['kind'];
  readonly skip: string | false;
  open(clock: TestClock, options: StoreOptions): Promise<Handle>;
}

interface Handle {
  readonly store: Store;
  /** Row counts and stored body bytes, read beside the store (what a storage test asserts). */
  rows(): Promise<StoreRows>;
  dispose(): Promise<void>;
}

const implementations: readonly Implementation[] = [
  {
    kind: 'sqlite',
    skip: false,
    async open(clock, options) {
      const dataDir = mkdtempSync(join(tmpdir(), 'claude-hooks-contract-'));
      const store = await openStore({ kind: 'sqlite' }, { dataDir, clock, dedupWindowMs: options.dedupWindowMs ?? 0 });
      return {
        store,
        rows: async () => storeRows(join(dataDir, 'claude-hooks.sqlite')),
        dispose: async () => rmSync(dataDir, { recursive: true, force: true }),
      };
    },
  },
  {
    kind: 'postgres',
    skip: postgresSkip(),
    async open(clock, options) {
      const schema = freshSchemaName('contract');
      const config = {
        kind: 'postgres',
        url: new Secret(TEST_DATABASE_URL!),
        maxConnections: 4,
        affinityWaitMs: 30_000,
        leaseSeconds: 30,
      } as const;
      const store = await openStore(config, {
        dataDir: tmpdir(),
        schema,
        clock,
        dedupWindowMs: options.dedupWindowMs ?? 0,
      });
      return { store, rows: () => pgStoreRows(schema), dispose: () => dropSchema(schema) };
    },
  },
];

/** Declares `body`'s tests once per implementation, as `<title> (sqlite)` and `<title> (postgres)`. */
export function forEachStore(title: string, body: (context: ContractContext) => void): void {
  for (const implementation of implementations) {
    describe(`${title} (${implementation.kind})`, { skip: implementation.skip }, () => {
      const opened: Handle[] = [];
      afterEach(async () => {
        for (const { store, dispose } of opened.splice(0)) {
          await store.close();
          await dispose();
        }
      });
      body({
        kind: implementation.kind,
        async open(options = {}) {
          const clock = manualClock();
          const handle = await implementation.open(clock, options);
          opened.push(handle);
          return { store: handle.store, clock, rows: () => handle.rows() };
        },
      });
    });
  }
}

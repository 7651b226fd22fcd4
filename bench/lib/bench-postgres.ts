/**
 * What the workers benchmark's parts share: PostgreSQL (the test helpers, once the database URL
 * is settled; a fresh schema per part, dropped afterwards), a job runner that records which
 * worker was called with which comment and when, and small waits.
 */
import type { AgentRunner } from '../../src/queue/ports.js';
import type { LoadRequest } from './load.js';

const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

export type Pg = typeof import('../../test/support/postgres.js');

/** The PostgreSQL helpers, after the database URL is settled (the module reads it as it loads). */
export async function postgres(): Promise<Pg> {
  process.env.CLAUDE_HOOKS_TEST_DATABASE_URL ||= DEFAULT_DATABASE_URL;
  return import('../../test/support/postgres.js');
}

/** Runs `body` on a fresh schema, dropped afterwards whatever happens. */
export async function inFreshSchema<T>(pg: Pg, prefix: string, body: (schema: string) => Promise<T>): Promise<T> {
  const schema = pg.freshSchemaName(prefix);
  await pg.createSchema(schema);
  try {
    return await body(schema);
  } finally {
    await pg.dropSchema(schema);
  }
}

export interface Claim {
  readonly at: number;
  readonly worker: string;
}

/** A job runner that records when (and on which worker) it was called with each comment; `hold` keeps a run going. */
export function recordingRunner(
  worker: string,
  claims: Map<number, Claim>,
  hold?: (text: string) => Promise<void> | undefined,
): AgentRunner {
  return {
    async run(request) {
      const at = performance.now();
      let held: Promise<void> | undefined;
      for (const { event } of request.events) {
        if (event.type !== 'comment') continue;
        claims.set(event.comment.id, { at, worker });
        held ??= hold?.(event.comment.body);
      }
      if (held !== undefined) await held;
      return { ok: true };
    },
  };
}

export async function post(url: string, request: LoadRequest): Promise<void> {
  const res = await fetch(`${url}${request.path}`, { method: 'POST', headers: request.headers, body: request.body });
  if (res.status !== 202) throw new Error(`delivery answered ${res.status}: ${await res.text()}`);
}

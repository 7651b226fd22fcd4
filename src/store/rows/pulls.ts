/**
 * The `watched_pulls` row as both stores read it, and the one mapping to and from a `WatchedPull`.
 * The columns hold what the queries select and order on (the key, the head, the state, the time);
 * `record` holds the whole record as JSON TEXT in both dialects.
 *
 * The JSON is read defensively: during a rolling upgrade a worker may read a row a newer release
 * wrote (more fields, a check source it does not know) or an older one wrote (fewer fields). A
 * field it does not know is dropped, a field missing or malformed reads as its empty value, and a
 * list keeps the items it can read — a watched PR never becomes unreadable, it only forgets what
 * this release cannot understand. The columns win over the JSON for the fields both hold.
 */
import { z } from 'zod';
import type { MergeState, WatchedPull } from '../../pulls/ports.js';

export interface PullRow {
  repo: string;
  number: number;
  head_sha: string;
  state: WatchedPull['state'];
  updated_at: number;
  record: string;
}

export const PULL_COLUMNS = 'repo, number, head_sha, state, updated_at, record';

/** How many `listWatched` answers when the caller names no limit. */
export const DEFAULT_WATCHED_LIMIT = 200;

/** The row a record is stored as: the repository key in lower case, like every key of the store. */
export function pullRowOf(pull: WatchedPull): PullRow {
  const repo = pull.repo.toLowerCase();
  return {
    repo,
    number: pull.number,
    head_sha: pull.headSha,
    state: pull.state,
    updated_at: pull.updatedAt,
    record: JSON.stringify({ ...pull, repo }),
  };
}

export function toWatchedPull(row: PullRow): WatchedPull {
  const stored = recordSchema.parse(parseJson(row.record));
  return {
    ...stored,
    repo: row.repo,
    number: row.number,
    headSha: row.head_sha,
    state: row.state,
    updatedAt: row.updated_at,
  };
}

/** The stored JSON object, or an empty one when the text is not one. */
function parseJson(text: string): object {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {};
  } catch {
    return {};
  }
}

/** A list that keeps the items `item` reads and skips the others; anything but a list reads as empty. */
const listOf = <T>(item: z.ZodType<T>) =>
  z
    .array(z.unknown())
    .catch([])
    .transform((entries): T[] =>
      entries.flatMap((entry) => {
        const read = item.safeParse(entry);
        return read.success ? [read.data] : [];
      }),
    );

const text = z.string().catch('');
const count = z.number().int().nonnegative().catch(0);

const check = z.object({
  context: z.string(),
  state: z.enum(['pending', 'success', 'failure']),
  source: z.enum(['status', 'run', 'job']),
  targetUrl: text,
  description: text,
  runId: z.number().optional().catch(undefined),
  jobId: z.number().optional().catch(undefined),
  at: count,
});

const merge = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('off') }),
    z.object({ kind: z.literal('waiting') }),
    z.object({ kind: z.literal('asked'), sha: z.string(), at: z.number() }),
    z.object({ kind: z.literal('refused'), sha: z.string(), reason: z.string(), at: z.number() }),
    z.object({ kind: z.literal('merged'), at: z.number() }),
  ])
  .catch({ kind: 'off' } satisfies MergeState);

/** The fields read from `record`; the others come from the columns. */
type RecordField = Exclude<keyof WatchedPull, 'repo' | 'number' | 'headSha' | 'state' | 'updatedAt'>;

const headOfCheck = z.object({ context: z.string(), sha: z.string() });

// `satisfies` names every field of a WatchedPull: one added to the port and not here fails the
// typecheck instead of being dropped on the next read.
const recordSchema = z.object({
  agent: text,
  issue: count,
  title: text,
  headRef: text,
  baseRef: text,
  checks: listOf(check),
  attempts: count,
  woken: listOf(z.string()),
  reported: listOf(headOfCheck),
  passed: listOf(headOfCheck),
  reruns: listOf(z.object({ sha: z.string(), context: z.string(), run: z.number(), at: z.number() })),
  flaky: listOf(z.string()),
  capped: z.boolean().catch(false),
  merge,
  waitingOn: text,
  ignored: listOf(z.object({ sha: z.string(), context: z.string(), reason: z.string(), at: z.number() })),
} satisfies Record<RecordField, z.ZodType>);

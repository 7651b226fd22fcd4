/**
 * What each worktree is — repository, agent, target, when it was made and last used — so
 * housekeeping can find worktrees to remove and a dashboard can list them. A port: the file
 * implementation here keeps one JSON file per worktree (written atomically, read through a zod
 * schema since it comes off disk); the SQLite store may implement the same interface later.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { replaceFile } from '../lib/replace-file.js';
import type { WorktreeIdentity } from './types.js';

export interface WorktreeRecord extends WorktreeIdentity {
  /** The local branch for an `issue-branch` worktree. */
  readonly branch: string | undefined;
  /** `creating` until `worktree add` finished; a `creating` record after a crash means "redo". */
  readonly state: 'creating' | 'ready';
  /** HEAD when the worktree was last acquired. */
  readonly head: string | undefined;
  /** The commit the service last put the worktree at (created, moved, reset): it came from the remote. */
  readonly base: string | undefined;
  /** The remote head last seen, to tell a force-push from unpushed work. */
  readonly remoteHead: string | undefined;
  readonly createdAt: number;
  readonly lastUsedAt: number;
}

export interface WorktreeRegistry {
  get(id: string): Promise<WorktreeRecord | undefined>;
  put(record: WorktreeRecord): Promise<void>;
  delete(id: string): Promise<void>;
  list(): Promise<WorktreeRecord[]>;
}

const targetSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('issue-branch'), branch: z.string() }),
  z.object({ kind: z.literal('pr-head'), number: z.number().int().positive() }),
  z.object({ kind: z.literal('default-branch') }),
]);

const recordSchema = z.object({
  id: z.string().regex(/^[0-9a-f]{16}$/),
  repo: z.object({
    host: z.string(),
    owner: z.string(),
    name: z.string(),
    cloneUrl: z.string(),
    defaultBranch: z.string(),
  }),
  repoKey: z.string(),
  agent: z.string(),
  target: targetSchema,
  path: z.string(),
  branch: z.string().optional(),
  state: z.enum(['creating', 'ready']),
  head: z.string().optional(),
  base: z.string().optional(),
  remoteHead: z.string().optional(),
  createdAt: z.number(),
  lastUsedAt: z.number(),
});

export function createFileRegistry(dir: string): WorktreeRegistry {
  const fileOf = (id: string) => join(dir, `${id}.json`);

  async function read(file: string): Promise<WorktreeRecord | undefined> {
    const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (text === undefined) return undefined;
    // A torn or hand-edited file reads as "no record": the worktree on disk is then adopted.
    const parsed = recordSchema.safeParse(safeJson(text));
    if (!parsed.success) return undefined;
    const { branch, head, base, remoteHead, ...rest } = parsed.data;
    return { ...rest, branch, head, base, remoteHead };
  }

  return {
    get: (id) => read(fileOf(id)),
    async put(record) {
      await replaceFile(fileOf(record.id), `${JSON.stringify(record, null, 2)}\n`);
    },
    async delete(id) {
      await rm(fileOf(id), { force: true });
    },
    async list() {
      const names = await readdir(dir).catch(() => [] as string[]);
      const records = await Promise.all(names.filter((n) => n.endsWith('.json')).map((n) => read(join(dir, n))));
      return records.filter((r): r is WorktreeRecord => r !== undefined);
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

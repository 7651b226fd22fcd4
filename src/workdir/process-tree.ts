/**
 * Ending a git command and everything it started. `git fetch` over HTTP runs `git remote-http`,
 * which runs `git-remote-http`: signalling git alone leaves those two behind, still waiting on the
 * forge, orphaned, and holding git's stderr pipe open (so the command never "closes"): seen
 * against a server that accepts and never answers. Processes are found through `/proc` (Linux);
 * elsewhere only the pid itself is known.
 */
import { readdir, readFile } from 'node:fs/promises';
import { parseProcStat } from '../lib/proc-stat.js';

/** A process as first seen: its start time tells it from a later process given the same pid. */
export interface ProcessId {
  readonly pid: number;
  readonly startedAt: string;
}

interface Stat {
  readonly ppid: number;
  readonly startedAt: string;
}

async function statOf(pid: number): Promise<Stat | undefined> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  const stat = text === undefined ? undefined : parseProcStat(pid, text);
  return stat && { ppid: stat.ppid, startedAt: String(stat.startTicks) };
}

/** `pid` and every process below it, parents first. */
export async function processTreeOf(pid: number): Promise<ProcessId[]> {
  const names = await readdir('/proc').catch(() => [] as string[]);
  const stats = await Promise.all(
    names.filter((name) => /^\d+$/.test(name)).map(async (name) => [Number(name), await statOf(Number(name))] as const),
  );
  const children = new Map<number, number[]>();
  const started = new Map<number, string>();
  for (const [child, stat] of stats) {
    if (stat === undefined) continue;
    started.set(child, stat.startedAt);
    children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), child]);
  }
  const tree: ProcessId[] = [];
  for (let queue = [pid]; queue.length > 0; ) {
    const next = queue.shift()!;
    tree.push({ pid: next, startedAt: started.get(next) ?? '' });
    queue = [...queue, ...(children.get(next) ?? [])];
  }
  return tree;
}

/** Sends `signal` to each process of `tree` that is still the process it was when found. */
export async function signalTree(tree: readonly ProcessId[], signal: NodeJS.Signals): Promise<void> {
  for (const { pid, startedAt } of tree) {
    const now = await statOf(pid);
    if (now !== undefined && startedAt !== '' && now.startedAt !== startedAt) continue;
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

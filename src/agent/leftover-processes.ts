/**
 * Finding and ending what a run left running, read from `/proc` (Linux).
 *
 * A service killed mid-run (SIGKILL: no `finally`) can leave its run's processes behind: with
 * `isolation: none` the runtime goes on (fault injection saw it ask the model and push while the
 * service was down), and the runtime gives each Bash command a session of its own, so even a kill
 * of the runtime's process group leaves those. A run's processes are therefore
 * found three ways, and every process below one of them is too:
 * - the top process of each runtime (`bwrap`, or the runtime), by pid *and* start time, so a later
 *   process given the same pid is never taken for it;
 * - every process carrying the run's mark in its environment (`RUN_MARK_VARIABLE`), which what the
 *   runtime starts inherits — a process that left the runtime's group or outlived it included;
 * - every member of a process group or session one of them leads.
 * A process that scrubs its environment, and whose parent and session leader are gone, is not
 * found: with `isolation: none` the agent is not confined (docs/security.md); in a sandbox the
 * sandbox ends everything.
 */
import { readdir, readFile } from 'node:fs/promises';
import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { isDead, parseProcStat } from '../lib/proc-stat.js';
import type { ProcessHost, RunProcess, RunProcesses } from '../sessions/ports.js';

/** The environment variable every runtime of a run gets, holding the run's mark. */
export const RUN_MARK_VARIABLE = 'CLAUDE_HOOKS_RUN_MARK';

/** Scans until one finds nothing new: a process forked between a scan and its kill is found by the next. */
const MAX_ROUNDS = 10;
const ROUND_PAUSE_MS = 20;
/** How long `endLeftovers` waits for what it killed to be gone (a process in uninterruptible sleep dies late). */
const DEFAULT_WAIT_MS = 5_000;

interface ProcessEntry extends RunProcess {
  readonly ppid: number;
  readonly pgid: number;
  readonly sid: number;
}

interface ScannedProcess extends ProcessEntry {
  /** Whether its environment carries `mark`. */
  marked(mark: string): boolean;
}

/** Where this process's pids mean something; undefined where `/proc` cannot say (not Linux). */
export function thisHost(): ProcessHost | undefined {
  try {
    return {
      hostname: hostname(),
      bootId: readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(),
      pidNamespace: readlinkSync('/proc/self/ns/pid'),
    };
  } catch {
    return undefined;
  }
}

/** `pid` as it is now: undefined when it is gone (or a zombie), or `/proc` cannot say. */
export function identify(pid: number): RunProcess | undefined {
  try {
    const entry = parseStat(pid, readFileSync(`/proc/${pid}/stat`, 'utf8'));
    return entry && { pid, startTicks: entry.startTicks };
  } catch {
    return undefined;
  }
}

export interface EndLeftoversOptions {
  /** This machine (`thisHost()` by default). */
  readonly here?: ProcessHost;
  readonly waitMs?: number;
}

/**
 * SIGKILLs every process of a run still alive here (each group one of them leads, as a group) and
 * waits until they are gone. Answers how many were ended — 0 also when the machine has rebooted
 * since — or undefined when the processes are on another machine, where only a start of that
 * machine can end them.
 */
export async function endLeftovers(
  processes: RunProcesses,
  options: EndLeftoversOptions = {},
): Promise<number | undefined> {
  const here = options.here ?? thisHost();
  if (here === undefined || here.hostname !== processes.host.hostname) return undefined;
  if (here.bootId !== processes.host.bootId) return 0;
  if (here.pidNamespace !== processes.host.pidNamespace) return undefined;
  const ended = new Map<number, number>();
  for (let round = 0; round < MAX_ROUNDS; round += 1) {
    const found = leftoversIn(await processTable(), processes);
    const fresh = found.filter((entry) => ended.get(entry.pid) !== entry.startTicks);
    // Always a second look: a process caught between fork and exec may not show its mark yet.
    if (fresh.length === 0 && round > 0) break;
    for (const entry of found) kill(entry);
    for (const entry of fresh) ended.set(entry.pid, entry.startTicks);
    await pause(ROUND_PAUSE_MS);
  }
  await gone(ended, options.waitMs ?? DEFAULT_WAIT_MS);
  return ended.size;
}

/** The run's processes among `table`: its runtimes, what carries its mark, and all below and led by them. */
function leftoversIn(table: readonly ScannedProcess[], processes: RunProcesses): ProcessEntry[] {
  const tops = new Set(processes.list.map((top) => `${top.pid}:${top.startTicks}`));
  const run = new Set(
    table
      .filter((entry) => tops.has(`${entry.pid}:${entry.startTicks}`) || entry.marked(processes.mark))
      .map((entry) => entry.pid),
  );
  for (let grew = true; grew; ) {
    grew = false;
    for (const entry of table) {
      if (run.has(entry.pid) || !(run.has(entry.ppid) || run.has(entry.pgid) || run.has(entry.sid))) continue;
      run.add(entry.pid);
      grew = true;
    }
  }
  run.delete(process.pid);
  return table.filter((entry) => run.has(entry.pid));
}

async function processTable(): Promise<ScannedProcess[]> {
  const names = await readdir('/proc').catch(() => [] as string[]);
  const entries = await Promise.all(
    names
      .filter((name) => /^\d+$/.test(name))
      .map(async (name) => {
        const pid = Number(name);
        const [stat, environ] = await Promise.all([
          readFile(`/proc/${pid}/stat`, 'utf8').catch(() => ''),
          readFile(`/proc/${pid}/environ`, 'latin1').catch(() => ''),
        ]);
        const entry = parseStat(pid, stat);
        const variables = environ.split('\0');
        return (
          entry &&
          ({
            ...entry,
            marked: (mark: string) => variables.includes(`${RUN_MARK_VARIABLE}=${mark}`),
          } satisfies ScannedProcess)
        );
      }),
  );
  return entries.filter((entry) => entry !== undefined);
}

/** A live process's entry; undefined for a zombie or a stat line that cannot be read. */
function parseStat(pid: number, text: string): ProcessEntry | undefined {
  const stat = parseProcStat(pid, text);
  return stat && !isDead(stat)
    ? { pid, ppid: stat.ppid, pgid: stat.pgid, sid: stat.sid, startTicks: stat.startTicks }
    : undefined;
}

function kill(entry: ProcessEntry): void {
  for (const target of entry.pgid === entry.pid ? [-entry.pid, entry.pid] : [entry.pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
}

async function gone(ended: ReadonlyMap<number, number>, waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  const alive = () => [...ended].some(([pid, startTicks]) => identify(pid)?.startTicks === startTicks);
  while (alive() && Date.now() < deadline) await pause(ROUND_PAUSE_MS);
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

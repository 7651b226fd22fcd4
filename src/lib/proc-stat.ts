/**
 * One process as `/proc/<pid>/stat` describes it (Linux): its parent, process group, session and
 * start time — the start time tells a process from a later one given the same pid. The command
 * name sits in parentheses and may hold anything (spaces, parentheses), so the fields are read
 * after the last `)`.
 */
export interface ProcStat {
  readonly pid: number;
  /** `R`, `S`, `D`, `Z` (zombie), … */
  readonly state: string;
  readonly ppid: number;
  readonly pgid: number;
  readonly sid: number;
  /** Field 22: clock ticks after boot when the process started. */
  readonly startTicks: number;
}

/** Undefined for text that is not a stat line. */
export function parseProcStat(pid: number, text: string): ProcStat | undefined {
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 of the line (the state); the start time is field 22.
  const [state, ppid, pgid, sid] = fields;
  if (state === undefined || state === '' || fields[19] === undefined) return undefined;
  return { pid, state, ppid: Number(ppid), pgid: Number(pgid), sid: Number(sid), startTicks: Number(fields[19]) };
}

/** Whether the process has ended but not been reaped (or is being reaped). */
export const isDead = (stat: ProcStat): boolean => stat.state === 'Z' || stat.state === 'X';

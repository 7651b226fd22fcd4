/**
 * The processes whose working directory is at or under a folder, read from /proc (Linux): what
 * is still running in a worktree once a run has returned.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { sep } from 'node:path';

export interface ProcessInFolder {
  readonly pid: number;
  readonly cwd: string;
  readonly command: string;
}

export function processesUnder(folder: string): ProcessInFolder[] {
  const found: ProcessInFolder[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cwd = readlinkSync(`/proc/${entry}/cwd`);
      if (cwd !== folder && !cwd.startsWith(folder + sep)) continue;
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim();
      found.push({ pid: Number(entry), cwd, command });
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

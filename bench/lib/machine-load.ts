/**
 * What the machine was doing while a figure was measured: the share of all cores busy (from
 * /proc/stat, Linux; NaN elsewhere) and the share of one core this process used.
 */
import { readFileSync } from 'node:fs';

interface CpuTicks {
  readonly busy: number;
  readonly total: number;
}

function cpuTicks(): CpuTicks | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const [, ...fields] = line.trim().split(/\s+/);
    const ticks = fields.map(Number);
    const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
    const total = ticks.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}

export interface LoadWindow {
  /** Busy share of all cores (0–1) and of one core for this process (0–1 per core) since `measureLoad()`. */
  end(): { machineBusy: number; processCores: number };
}

export function measureLoad(): LoadWindow {
  const startTicks = cpuTicks();
  const startCpu = process.cpuUsage();
  const startAt = performance.now();
  return {
    end() {
      const endTicks = cpuTicks();
      const cpu = process.cpuUsage(startCpu);
      const seconds = (performance.now() - startAt) / 1000;
      const machineBusy =
        startTicks && endTicks && endTicks.total > startTicks.total
          ? (endTicks.busy - startTicks.busy) / (endTicks.total - startTicks.total)
          : Number.NaN;
      return { machineBusy, processCores: (cpu.user + cpu.system) / 1e6 / seconds };
    },
  };
}

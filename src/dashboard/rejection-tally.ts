/**
 * Rejected deliveries in a recent window. Rejections are not stored (a bad signature is not ours
 * to keep), so the count comes from the intake's running total, sampled every `tickMs`: the
 * rejections since `t` are the total now less the total at the last sample taken at or before
 * `t` (or 0 at start-up), so the window is exact to within one tick.
 */
import { type Clock, every, type Timer } from '../lib/clock.js';
import type { RejectionCounter } from './ports.js';

export interface RejectionTally extends RejectionCounter {
  /** Records the running total now; `start` calls it every `tickMs`. */
  tick(): Promise<void>;
  start(): void;
  stop(): void;
}

export function createRejectionTally(options: {
  readonly total: () => Promise<number>;
  readonly clock: Clock;
  readonly tickMs?: number;
  readonly keepMs?: number;
}): RejectionTally {
  const tickMs = options.tickMs ?? 30_000;
  const keepMs = options.keepMs ?? 2 * 3600_000;
  const samples: Array<{ at: number; total: number }> = [{ at: options.clock.now(), total: 0 }];
  let timer: Timer | undefined;
  const tally: RejectionTally = {
    async tick() {
      const now = options.clock.now();
      samples.push({ at: now, total: await options.total() });
      while (samples.length > 2 && samples[1]!.at < now - keepMs) samples.shift();
    },
    async countSince(since) {
      const latest = await options.total();
      let base = samples[0]!.total;
      for (const sample of samples) {
        if (sample.at > since) break;
        base = sample.total;
      }
      return latest - base;
    },
    start() {
      timer ??= every(options.clock, tickMs, () => void tally.tick().catch(() => undefined));
    },
    stop() {
      timer?.cancel();
      timer = undefined;
    },
  };
  return tally;
}

import { type Clock, every } from './clock.js';

/**
 * Runs `work` every `intervalMs`, never two rounds at once (a round still going when the next is
 * due is not doubled), on an unref'd timer; `stop` clears the timer and waits for the round in
 * progress. For the loops that keep a worker's lease, its leadership and its leader tasks going.
 */
export interface Repeater {
  /** One round now, or the one already going. */
  round(): Promise<void>;
  stop(): Promise<void>;
}

export function repeat(clock: Clock, intervalMs: number, work: () => Promise<void>): Repeater {
  let current: Promise<void> | undefined;
  const round = () =>
    (current ??= work().finally(() => {
      current = undefined;
    }));
  const timer = every(clock, intervalMs, () => void round().catch(() => undefined));
  return {
    round,
    async stop() {
      timer.cancel();
      await current?.catch(() => undefined);
    },
  };
}

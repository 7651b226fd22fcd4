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

export function repeat(intervalMs: number, work: () => Promise<void>): Repeater {
  let current: Promise<void> | undefined;
  const round = () =>
    (current ??= work().finally(() => {
      current = undefined;
    }));
  const timer = setInterval(() => void round().catch(() => undefined), intervalMs);
  timer.unref();
  return {
    round,
    async stop() {
      clearInterval(timer);
      await current?.catch(() => undefined);
    },
  };
}

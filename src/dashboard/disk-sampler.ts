/**
 * The background disk measurement: every `intervalMs` the workdir module measures the data dir
 * (one `du` child, off the event loop) and the sample is stored for the dashboard's history.
 * Requests never measure; they read the newest sample. A failed measurement is logged and the
 * next one tried on schedule.
 */
import { type Clock, every, type Timer } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { DiskUsage } from '../workdir/types.js';
import type { DiskSample, DiskSamples } from './ports.js';

export interface DiskSampler {
  /** Measures and records one sample now. */
  sampleOnce(): Promise<DiskSample>;
  start(): void;
  stop(): Promise<void>;
}

export interface DiskSamplerOptions {
  readonly measure: () => Promise<DiskUsage>;
  readonly samples: Pick<DiskSamples, 'record'>;
  readonly clock: Clock;
  readonly log: Logger;
  readonly intervalMs: number;
  /** Told of each sample (the metrics' disk gauges). */
  readonly onSample?: (sample: DiskSample) => void;
}

export function createDiskSampler(options: DiskSamplerOptions): DiskSampler {
  let timer: Timer | undefined;
  let current: Promise<DiskSample> | undefined;

  const sampleOnce = (): Promise<DiskSample> => {
    current ??= (async () => {
      const usage = await options.measure();
      const sample = toSample(usage);
      await options.samples.record(sample);
      options.onSample?.(sample);
      return sample;
    })().finally(() => {
      current = undefined;
    });
    return current;
  };
  const tick = () => {
    sampleOnce().catch((error: unknown) =>
      options.log.warn({ err: error }, 'disk measurement failed; the dashboard shows the previous sample'),
    );
  };
  return {
    sampleOnce,
    start() {
      if (timer) return;
      tick();
      timer = every(options.clock, options.intervalMs, tick);
    },
    async stop() {
      timer?.cancel();
      timer = undefined;
      await current?.catch(() => undefined);
    },
  };
}

export function toSample(usage: DiskUsage): DiskSample {
  return {
    measuredAt: usage.measuredAt,
    freeBytes: usage.freeBytes,
    totalBytes: usage.totalBytes,
    kinds: {
      caches: usage.caches.reduce((sum, c) => sum + c.bytes, 0),
      worktrees: usage.worktrees.reduce((sum, w) => sum + w.bytes, 0),
      attic: usage.atticBytes,
      transcripts: usage.others?.transcripts ?? 0,
      database: usage.others?.database ?? 0,
    },
    byAgent: usage.byAgent,
    byRepository: usage.byRepository,
  };
}

/**
 * Resources register their release as they are opened; `close` runs the releases last-in
 * first-out, so the HTTP server stops accepting before the queue drains, and the queue drains
 * before the database closes. A failing release is logged and the others still run.
 */
import type { Logger } from './logger.js';

export interface Lifecycle {
  defer(name: string, release: () => Promise<void> | void): void;
  close(): Promise<void>;
}

export function createLifecycle(log: Logger): Lifecycle {
  const releases: Array<{ name: string; release: () => Promise<void> | void }> = [];
  let closing: Promise<void> | undefined;
  return {
    defer(name, release) {
      releases.push({ name, release });
    },
    close() {
      closing ??= (async () => {
        for (const { name, release } of releases.reverse()) {
          try {
            await release();
            log.debug({ resource: name }, 'released');
          } catch (error) {
            log.error({ err: error, resource: name }, 'release failed');
          }
        }
      })();
      return closing;
    },
  };
}

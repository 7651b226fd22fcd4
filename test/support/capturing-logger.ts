/**
 * A logger whose JSON lines a test reads back, parsed, in the order they were written.
 */
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/lib/logger.js';

export function capturingLogger(): { readonly log: Logger; readonly lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  return { log: createLogger({ destination }), lines };
}

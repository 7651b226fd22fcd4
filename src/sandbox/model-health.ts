/**
 * How the model API is doing for one run, as its model proxy sees it: every model request ends
 * answered, failed, or neither (the runtime hung up, or the API refused the request itself), and
 * the failures are counted here — so an overloaded API or a stalled stream is seen while the run
 * is going (`onTrouble`, with the attempt number of the current streak) and reported after it,
 * from the service's side of the socket, where the agent cannot reach the count.
 *
 * A failed attempt is an answer of 429 or 5xx (529 is "overloaded"), an error event inside a
 * stream that began 200, no answer at all (the connection failed), or a stall: no answer within
 * the response timeout, or a stream that went silent for the idle timeout.
 */
import type { Logger } from '../lib/logger.js';

/** An HTTP status (429, 5xx), or what happened when there was none. */
export type TroubleStatus = number | 'no-answer' | 'stalled';

export interface ModelTrouble {
  /** Failed attempts in a row, this one included: 3 means the runtime's third try failed too. */
  readonly attempt: number;
  readonly status: TroubleStatus;
  /** The API's own message, or the proxy's; names no host or address. */
  readonly message: string;
}

/** Told as it happens; a callback that throws is logged and ignored. */
export interface ModelTroubleListener {
  /** After each failed model attempt. */
  readonly onTrouble?: (trouble: ModelTrouble) => void;
  /** When a request succeeds after one or more failed attempts. */
  readonly onRecovered?: () => void;
}

export interface ModelHealth {
  /** Failed attempts that were stalls (status `stalled`): no answer in time, or a silent stream cut. */
  readonly stalls: number;
  readonly failures: {
    readonly count: number;
    readonly lastStatus: TroubleStatus | undefined;
    readonly lastMessage: string | undefined;
  };
  /** Failed attempts since the last successful one (0 once a request succeeds). */
  readonly consecutiveFailures: number;
}

export type AttemptOutcome =
  | { readonly kind: 'answered' }
  | { readonly kind: 'failed'; readonly status: TroubleStatus; readonly message: string }
  /** Neither: the runtime hung up, the request was refused as invalid. The streak goes on. */
  | { readonly kind: 'neither' };

export interface HealthCounter {
  record(outcome: AttemptOutcome): void;
  health(): ModelHealth;
}

export const HEALTHY: ModelHealth = {
  stalls: 0,
  failures: { count: 0, lastStatus: undefined, lastMessage: undefined },
  consecutiveFailures: 0,
};

/** 429 and every 5xx (529 overloaded included): the statuses the runtime retries as the API's trouble. */
export function isTroubleStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

export function createHealthCounter(listener: ModelTroubleListener, log: Logger): HealthCounter {
  let health = HEALTHY;
  const tell = (what: string, call: () => void) => {
    try {
      call();
    } catch (error) {
      log.warn(
        { err: error instanceof Error ? error.message : String(error), callback: what },
        'model proxy: a model trouble callback failed',
      );
    }
  };

  return {
    record(outcome) {
      if (outcome.kind === 'neither') return;
      if (outcome.kind === 'answered') {
        const recovered = health.consecutiveFailures > 0;
        health = { ...health, consecutiveFailures: 0 };
        if (recovered && listener.onRecovered) tell('onRecovered', listener.onRecovered);
        return;
      }
      const attempt = health.consecutiveFailures + 1;
      health = {
        stalls: health.stalls + (outcome.status === 'stalled' ? 1 : 0),
        failures: { count: health.failures.count + 1, lastStatus: outcome.status, lastMessage: outcome.message },
        consecutiveFailures: attempt,
      };
      const { onTrouble } = listener;
      if (onTrouble) tell('onTrouble', () => onTrouble({ attempt, status: outcome.status, message: outcome.message }));
    },
    health: () => health,
  };
}

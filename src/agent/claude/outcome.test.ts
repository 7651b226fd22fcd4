import type { SDKResultMessage } from '@anthropic-ai/claude-agent-sdk';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ModelHealth, TroubleStatus } from '../../sandbox/model-health.js';
import { classifyRun } from './outcome.js';

const failing = (consecutiveFailures: number, lastStatus: TroubleStatus, lastMessage: string): ModelHealth => ({
  stalls: lastStatus === 'stalled' ? 1 : 0,
  failures: { count: Math.max(1, consecutiveFailures), lastStatus, lastMessage },
  consecutiveFailures,
});
const result = (fields: Record<string, unknown>) =>
  ({ type: 'result', num_turns: 3, errors: [], total_cost_usd: 0.5, ...fields }) as unknown as SDKResultMessage;

describe("a run's outcome", () => {
  it('is one of a closed set, read from the result message', () => {
    const cases: ReadonlyArray<[string, SDKResultMessage | undefined, string]> = [
      ['success', result({ subtype: 'success', is_error: false, result: 'ok' }), 'succeeded'],
      [
        'success with is_error',
        result({ subtype: 'success', is_error: true, result: 'API Error: 400 invalid request' }),
        'failed',
      ],
      [
        'the runtime gave up on the API',
        result({ subtype: 'success', is_error: true, result: 'API Error: Request timed out.' }),
        'model-unavailable',
      ],
      ['max turns', result({ subtype: 'error_max_turns', is_error: true }), 'max-turns'],
      ['max budget', result({ subtype: 'error_max_budget_usd', is_error: true }), 'budget-exceeded'],
      [
        'error during execution',
        result({ subtype: 'error_during_execution', is_error: true, errors: ['boom'] }),
        'failed',
      ],
      ['no result at all', undefined, 'failed'],
    ];

    assert.deepEqual(
      cases.map(([name, message]) => [name, classifyRun(message, new Error('exit 1'), undefined).outcome]),
      cases.map(([name, , kind]) => [name, kind]),
    );
  });

  it('says why a run failed, and that a stop was the wall clock or a cancellation', () => {
    assert.equal(
      classifyRun(result({ subtype: 'success', is_error: true, result: 'API Error: 400 bad' }), undefined, undefined)
        .detail,
      'API Error: 400 bad',
    );
    assert.equal(
      classifyRun(undefined, new Error('aborted'), { kind: 'wall-clock', minutes: 30 }).outcome,
      'budget-exceeded',
    );
    assert.equal(classifyRun(undefined, new Error('aborted'), { kind: 'cancelled' }).outcome, 'interrupted');
  });

  it('is budget-exceeded when the model proxy refused a request for the budget, whatever the runtime reported', () => {
    const stopped = classifyRun(
      result({ subtype: 'success', is_error: true, result: 'API Error: 400 budget spent' }),
      undefined,
      undefined,
      true,
    );

    assert.equal(stopped.outcome, 'budget-exceeded');
    assert.match(stopped.detail ?? '', /counted by the service/);
  });

  it('is model-unavailable, not a budget, when the model API was failing as the run ended', () => {
    const gaveUp = classifyRun(
      result({ subtype: 'success', is_error: true, result: 'API Error: 529 overloaded' }),
      undefined,
      undefined,
      false,
      failing(3, 529, 'Overloaded'),
    );
    const stalledToTheWallClock = classifyRun(
      undefined,
      new Error('aborted'),
      { kind: 'wall-clock', minutes: 30 },
      false,
      failing(1, 'stalled', 'the stream sent nothing for 120 s'),
    );

    assert.deepEqual(gaveUp, {
      outcome: 'model-unavailable',
      detail:
        'the model API did not get through: 3 request(s) in a row failed, the last answered 529 overloaded (Overloaded)',
    });
    assert.equal(stalledToTheWallClock.outcome, 'model-unavailable');
    assert.match(stalledToTheWallClock.detail ?? '', /stalled/);
  });

  it('is what the run did when the model recovered, or when the run succeeded in spite of a failure', () => {
    const recovered = failing(0, 529, 'Overloaded');
    assert.equal(
      classifyRun(result({ subtype: 'error_max_turns', is_error: true }), undefined, undefined, false, recovered)
        .outcome,
      'max-turns',
    );
    assert.equal(
      classifyRun(
        result({ subtype: 'success', is_error: false, result: 'ok' }),
        undefined,
        undefined,
        false,
        failing(1, 'no-answer', 'ECONNRESET'),
      ).outcome,
      'succeeded',
    );
    assert.equal(
      classifyRun(undefined, new Error('aborted'), { kind: 'cancelled' }, false, failing(2, 'no-answer', 'ECONNRESET'))
        .outcome,
      'interrupted',
    );
  });
});

import type { SDKResultMessage } from '@anthropic-ai/claude-agent-sdk';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyRun } from './outcome.js';

const result = (fields: Record<string, unknown>) => ({ type: 'result', num_turns: 3, errors: [], total_cost_usd: 0.5, ...fields }) as unknown as SDKResultMessage;

describe('a run\'s outcome', () => {
  it('is one of a closed set, read from the result message', () => {
    const cases: ReadonlyArray<[string, SDKResultMessage | undefined, string]> = [
      ['success', result({ subtype: 'success', is_error: false, result: 'ok' }), 'succeeded'],
      ['success with is_error', result({ subtype: 'success', is_error: true, result: 'API Error: 529 overloaded' }), 'failed'],
      ['max turns', result({ subtype: 'error_max_turns', is_error: true }), 'max-turns'],
      ['max budget', result({ subtype: 'error_max_budget_usd', is_error: true }), 'budget-exceeded'],
      ['error during execution', result({ subtype: 'error_during_execution', is_error: true, errors: ['boom'] }), 'failed'],
      ['no result at all', undefined, 'failed'],
    ];

    assert.deepEqual(cases.map(([name, message]) => [name, classifyRun(message, new Error('exit 1'), undefined).outcome]), cases.map(([name, , kind]) => [name, kind]));
  });

  it('says why a run failed, and that a stop was the wall clock or a cancellation', () => {
    assert.equal(classifyRun(result({ subtype: 'success', is_error: true, result: 'API Error: 529' }), undefined, undefined).detail, 'API Error: 529');
    assert.equal(classifyRun(undefined, new Error('aborted'), { kind: 'wall-clock', minutes: 30 }).outcome, 'budget-exceeded');
    assert.equal(classifyRun(undefined, new Error('aborted'), { kind: 'cancelled' }).outcome, 'interrupted');
  });

  it('is budget-exceeded when the model proxy refused a request for the budget, whatever the runtime reported', () => {
    const stopped = classifyRun(result({ subtype: 'success', is_error: true, result: 'API Error: 400 budget spent' }), undefined, undefined, true);

    assert.equal(stopped.outcome, 'budget-exceeded');
    assert.match(stopped.detail ?? '', /counted by the service/);
  });
});

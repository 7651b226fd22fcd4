import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { commented } from '../../../test/support/events.js';
import { makeAgent } from '../../workdir/test-support/fixture.js';
import { checkBudgets, continueRequested, startOfUtcDay } from './budget.js';

const dev = { ...makeAgent('dev', 't'), limits: { runsPerHour: 6, concurrency: 1, maxTurns: 10, maxBudgetUsd: 5, maxIssueUsd: 20, maxDailyUsd: 50 } };
const stored = (body: string, by = 'alice') => ({ id: 1, deliveryId: 'd', receivedAt: 0, event: commented(7, by, body) });

describe('the budgets', () => {
  it('caps a run at the smallest of its own budget and what is left of the issue\'s and the day\'s', () => {
    const check = checkBudgets({ agent: dev, events: [], issueSpentUsd: 18, issueRuns: 4, todaySpentUsd: 10 });

    assert.deepEqual(check, { ok: true, maxBudgetUsd: 2, lifted: false });
  });

  it('refuses a run once the issue\'s budget is spent, saying what was spent and how to go on', () => {
    const check = checkBudgets({ agent: dev, events: [stored('please go on')], issueSpentUsd: 20.5, issueRuns: 6, todaySpentUsd: 0 });

    assert.ok(!check.ok);
    assert.equal(check.detail, 'this issue has cost $20.50 over 6 run(s), its budget of $20.00 (limits.maxIssueUsd): comment "@dev-bot continue" to allow one more run');
  });

  it('lets "@login continue" lift the issue budget for one run, but not the daily one', () => {
    const lifted = checkBudgets({ agent: dev, events: [stored('@dev-bot continue')], issueSpentUsd: 25, issueRuns: 6, todaySpentUsd: 10 });
    const daily = checkBudgets({ agent: dev, events: [stored('@dev-bot continue')], issueSpentUsd: 0, issueRuns: 0, todaySpentUsd: 50 });

    assert.deepEqual(lifted, { ok: true, maxBudgetUsd: 5, lifted: true });
    assert.ok(!daily.ok && /daily budget of \$50\.00 \(limits\.maxDailyUsd\)/.test(daily.detail));
  });

  it('recognises "continue" only as its own words after the agent\'s own mention', () => {
    const cases: ReadonlyArray<[string, boolean]> = [
      ['@dev-bot continue', true],
      ['ok @DEV-BOT Continue please', true],
      ['@dev-bot continued yesterday', false],
      ['@boss-bot continue', false],
      ['email@dev-bot continue', false],
    ];

    assert.deepEqual(cases.map(([body]) => [body, continueRequested([stored(body)], 'dev-bot')]), cases);
  });

  it('starts the day at midnight UTC', () => {
    assert.equal(startOfUtcDay(Date.parse('2026-12-01T23:59:00Z')), Date.parse('2026-12-01T00:00:00Z'));
  });
});

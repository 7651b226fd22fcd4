import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { commented } from '../../../test/support/events.js';
import type { TriggerRule } from '../../queue/route-event.js';
import { ForgeUnavailableError } from '../../core/transient.js';
import { makeAgent } from '../../../test/support/workdir/fixture.js';
import { checkBudgets, saysContinue, startOfUtcDay } from './budget.js';

const dev = {
  ...makeAgent('dev', 't'),
  limits: { runsPerHour: 6, concurrency: 1, maxTurns: 10, maxBudgetUsd: 5, maxIssueUsd: 20, maxDailyUsd: 50 },
};
const boss = makeAgent('boss', 'b');
const stored = (body: string, by = 'alice') => ({
  id: 1,
  deliveryId: 'd',
  receivedAt: 0,
  event: commented(7, by, body),
});
/** alice and the agents' users have write access; mallory has none. */
const writers = new Set(['alice', 'dev-bot', 'boss-bot']);
const trigger: TriggerRule = {
  agents: [dev, boss],
  allowUsers: [],
  forge: { canTrigger: async (_repo, login) => writers.has(login) },
};
const overIssueBudget = { agent: dev, issueSpentUsd: 25, issueRuns: 6, todaySpentUsd: 10, trigger };

describe('the budgets', () => {
  it("caps a run at the smallest of its own budget and what is left of the issue's and the day's", async () => {
    const check = await checkBudgets({
      agent: dev,
      events: [],
      issueSpentUsd: 18,
      issueRuns: 4,
      todaySpentUsd: 10,
      trigger,
    });

    assert.deepEqual(check, { ok: true, maxBudgetUsd: 2, lifted: false });
  });

  it("refuses a run once the issue's budget is spent, saying what was spent and how to go on", async () => {
    const check = await checkBudgets({
      agent: dev,
      events: [stored('please go on')],
      issueSpentUsd: 20.5,
      issueRuns: 6,
      todaySpentUsd: 0,
      trigger,
    });

    assert.ok(!check.ok);
    assert.equal(
      check.detail,
      'this issue has cost $20.50 over 6 run(s), its budget of $20.00 (limits.maxIssueUsd): comment "@dev-bot continue" to allow one more run',
    );
  });

  it('lets "@login continue" lift the issue budget for one run, but not the daily one', async () => {
    const lifted = await checkBudgets({ ...overIssueBudget, events: [stored('@dev-bot continue')] });
    const daily = await checkBudgets({
      agent: dev,
      events: [stored('@dev-bot continue')],
      issueSpentUsd: 0,
      issueRuns: 0,
      todaySpentUsd: 50,
      trigger,
    });

    assert.deepEqual(lifted, { ok: true, maxBudgetUsd: 5, lifted: true });
    assert.ok(!daily.ok && /daily budget of \$50\.00 \(limits\.maxDailyUsd\)/.test(daily.detail));
  });

  describe('who may say "continue"', () => {
    const table: ReadonlyArray<{ who: string; by: string; allowUsers?: string[]; lifts: boolean }> = [
      { who: 'a person with write access', by: 'alice', lifts: true },
      { who: 'a user in dispatch.allowUsers', by: 'mallory', allowUsers: ['mallory'], lifts: true },
      { who: 'a user without write access', by: 'mallory', lifts: false },
      { who: 'another agent (a mention is a hand-off routing lets through)', by: 'boss-bot', lifts: false },
      { who: "the agent's own user", by: 'dev-bot', lifts: false },
      {
        who: 'an agent, even when listed in dispatch.allowUsers',
        by: 'Boss-Bot',
        allowUsers: ['boss-bot'],
        lifts: false,
      },
    ];
    for (const { who, by, allowUsers = [], lifts } of table) {
      it(`${lifts ? 'lifts' : 'does not lift'} the issue budget when said by ${who}`, async () => {
        const events = [stored('@dev-bot continue', by)];

        const check = await checkBudgets({ ...overIssueBudget, events, trigger: { ...trigger, allowUsers } });

        assert.equal(check.ok, lifts);
      });
    }

    it("lets the forge's failure to say through as the transient error it is (the job is retried)", async () => {
      const down: TriggerRule = {
        ...trigger,
        forge: { canTrigger: async () => Promise.reject(new ForgeUnavailableError('forge down')) },
      };

      const checking = checkBudgets({ ...overIssueBudget, events: [stored('@dev-bot continue')], trigger: down });

      await assert.rejects(checking, ForgeUnavailableError);
    });

    it('asks the forge nothing when no comment says "continue"', async () => {
      const asked: string[] = [];
      const counting: TriggerRule = {
        ...trigger,
        forge: { canTrigger: async (_repo, login) => (asked.push(login), true) },
      };

      await checkBudgets({ ...overIssueBudget, events: [stored('thanks'), stored('@dev-bot go')], trigger: counting });

      assert.deepEqual(asked, []);
    });
  });

  it('recognises "continue" only as its own words after the agent\'s own mention', () => {
    const cases: ReadonlyArray<[string, boolean]> = [
      ['@dev-bot continue', true],
      ['ok @DEV-BOT Continue please', true],
      ['@dev-bot continued yesterday', false],
      ['@boss-bot continue', false],
      ['email@dev-bot continue', false],
    ];

    assert.deepEqual(
      cases.map(([body]) => [body, saysContinue(body, 'dev-bot')]),
      cases,
    );
  });

  it('starts the day at midnight UTC', () => {
    assert.equal(startOfUtcDay(Date.parse('2026-12-01T23:59:00Z')), Date.parse('2026-12-01T00:00:00Z'));
  });
});

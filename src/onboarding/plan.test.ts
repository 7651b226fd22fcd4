import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { runPlan, type Step } from './plan.js';

function step(title: string, state: { ok: boolean; fails?: boolean }, changed: string[]): Step {
  return {
    title,
    check: async () => (state.ok ? { ok: true } : { ok: false, needs: `fix ${title}` }),
    async change() {
      if (state.fails) throw new Error(`the forge refused ${title}`);
      changed.push(title);
      return `fixed ${title}`;
    },
  };
}

describe('runPlan', () => {
  it('changes only what its check finds wrong', async () => {
    const changed: string[] = [];

    const report = await runPlan([step('a', { ok: true }, changed), step('b', { ok: false }, changed)], {
      dryRun: false,
    });

    assert.deepEqual(changed, ['b']);
    assert.deepEqual(
      report.steps.map((s) => s.outcome),
      ['ok', 'changed'],
    );
    assert.equal(report.ok, true);
  });

  it('changes nothing in a dry run and says what it would do', async () => {
    const changed: string[] = [];

    const report = await runPlan([step('a', { ok: false }, changed)], { dryRun: true });

    assert.deepEqual(changed, []);
    assert.deepEqual(report.steps, [{ title: 'a', outcome: 'would-change', detail: 'would fix a' }]);
  });

  it('stops at the first failure and reports the steps after it as not done', async () => {
    const changed: string[] = [];
    const seen: string[] = [];

    const report = await runPlan(
      [
        step('a', { ok: false }, changed),
        step('b', { ok: false, fails: true }, changed),
        step('c', { ok: false }, changed),
      ],
      { dryRun: false, onStep: (s) => seen.push(s.title) },
    );

    assert.equal(report.ok, false);
    assert.deepEqual(
      report.steps.map((s) => s.outcome),
      ['changed', 'failed', 'not-run'],
    );
    assert.equal(report.steps[1]?.detail, 'the forge refused b');
    assert.deepEqual(changed, ['a']);
    assert.deepEqual(seen, ['a', 'b', 'c']);
  });
});

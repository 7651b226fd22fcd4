/**
 * The dashboard as the service wires it: the disk measured in the background by the workdir
 * module, rejected deliveries counted, the figures in /api/status and /metrics.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN_TOKEN, startFlow, type Flow } from '../support/flow.js';

describe('the dashboard in the running service', () => {
  let flow: Flow;

  before(async () => {
    flow = await startFlow();
  });
  after(() => flow?.close());

  it('serves the measured disk use, the agents and the rejected deliveries in /api/status', async () => {
    await flow.service.diskSampler.sampleOnce();
    const rejected = await fetch(`${flow.service.url}/webhook`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-gitea-event': 'issues',
        'x-gitea-delivery': 'd-bad',
        'x-gitea-signature': '0'.repeat(64),
      },
      body: '{}',
    });

    const response = await fetch(`${flow.service.url}/api/status`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    const status = (await response.json()) as {
      disk: { kinds: Record<string, number> };
      agents: Array<{ name: string }>;
      intake: { lastHour: { rejected: number } };
    };

    assert.equal(rejected.status, 401);
    assert.equal(response.status, 200);
    assert.ok(status.disk.kinds.database! > 0, 'the database is measured');
    assert.deepEqual(
      status.agents.map((a) => a.name),
      ['boss', 'dev', 'reviewer'],
    );
    assert.equal(status.intake.lastHour.rejected, 1);
  });

  it('exports disk bytes by kind and the run metrics on /metrics', async () => {
    await flow.service.diskSampler.sampleOnce();

    const text = await (await fetch(`${flow.service.url}/metrics`)).text();

    assert.match(text, /^claude_hooks_disk_bytes\{kind="database"\} [1-9]\d*$/m);
    for (const name of [
      'claude_hooks_runs_total',
      'claude_hooks_run_duration_seconds',
      'claude_hooks_cost_usd_total',
      'claude_hooks_sweeper_reclaimed_bytes_total',
      'claude_hooks_sweeper_failures_total',
    ]) {
      assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), name);
    }
    assert.match(text, /^claude_hooks_jobs\{state="queued"\} \d+$/m, 'the queue depth');
  });
});

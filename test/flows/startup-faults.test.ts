/**
 * Start-up never waits for the forge: with a forge that accepts connections and never answers,
 * the service listens while its token check is still under way (`/readyz` says so: had start-up
 * waited for the check, the check's own 10 s deadline would have ended it as "unreachable"), and
 * the run a stopped service left unfinished is still finished — in the background, after listening.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { systemClock } from '../../src/lib/clock.js';
import { openStore } from '../../src/store/open-store.js';
import { startFlow, startScene } from '../support/flow.js';
import { startSilentServer } from '../support/hung-server.js';
import { until } from '../support/wait.js';

describe('start-up with a forge that hangs', () => {
  it('listens at once, says the token check is under way, and finishes the old run in the background', {
    timeout: 60_000,
  }, async () => {
    const forge = await startSilentServer();
    const dataDir = mkdtempSync(join(tmpdir(), 'claude-hooks-hanging-forge-'));
    // A run a stopped service left unfinished, with its status comment on the forge.
    const seeded = await openStore({ kind: 'sqlite' }, { dataDir, clock: systemClock, dedupWindowMs: 0 });
    const runId = await seeded.runs.start({
      jobId: 1,
      key: { agent: 'dev', repo: 'forge.test/acme/widget', issue: 3 },
      attempt: 1,
      startedAt: Date.now() - 60_000,
    });
    await seeded.runs.statusComment(runId, 77);
    await seeded.close();

    const scene = await startScene();
    const flow = await startFlow({ scene, forgeUrl: forge.url, dataDir, detached: true, listenOnly: true });
    try {
      const health = await fetch(`${flow.service.url}/healthz`);
      const ready = (await (await fetch(`${flow.service.url}/readyz`)).json()) as {
        checks: Record<string, { ok: boolean; detail: string }>;
      };
      const run = await until(async () => {
        const found = await flow.service.store.runs.get(runId);
        return found?.outcome === undefined ? undefined : found;
      }, 'the old run to be finished');

      assert.equal(health.status, 200);
      assert.deepEqual(ready.checks.forge, { ok: false, detail: "checking the agents' tokens with the forge" });
      assert.equal(run?.outcome, 'interrupted');
      assert.ok(forge.connections() > 0, 'the forge was asked');
    } finally {
      // Hanging up lets the requests still waiting on the forge fail, so the service stops at once.
      await forge.close();
      await flow.close();
    }
  });
});

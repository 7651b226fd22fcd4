/**
 * A run against a model API in trouble, end to end: the real SDK and Claude Code runtime, in a
 * run's enclosure (the bubblewrap sandbox, and `isolation: none`), through the enclosure's model
 * proxy to the scripted model playing faults. What is checked is what the service sees from its
 * side of the socket — stalls cut and counted, failed attempts told live with their attempt
 * number, the recovery — and that `CLAUDE_CODE_MAX_RETRIES` (runEnv's `maxRetries`) caps the
 * runtime's own retries.
 */
import { query, type SDKMessage, type SDKResultMessage } from '@anthropic-ai/claude-agent-sdk';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runEnv } from '../../src/agent/claude/run-env.js';
import { createRuntimeProcesses } from '../../src/agent/claude/runtime-processes.js';
import { Secret } from '../../src/lib/secret.js';
import { ownBranchOnly } from '../../src/sandbox/git-proxy.js';
import type { EnclosureReport, IsolationKind } from '../../src/sandbox/isolation.js';
import type { ModelTrouble } from '../../src/sandbox/model-health.js';
import { createHarness, type Harness } from '../support/workdir/fixture.js';
import type { Lease } from '../../src/workdir/types.js';
import { testIsolation } from '../support/agent/isolation.js';
import { startScriptedModel, text, type Fault, type ScriptedModel } from '../support/model/index.js';

interface TroubledRun {
  readonly result: SDKResultMessage | undefined;
  readonly report: EnclosureReport;
  readonly troubles: readonly ModelTrouble[];
  readonly recoveries: number;
}

describe('a run against a model API in trouble', () => {
  let h: Harness;
  let model: ScriptedModel;
  let lease: Lease;

  before(async () => {
    h = await createHarness();
    const origin = h.origin('acme', 'widget', 1);
    model = await startScriptedModel();
    const acquired = await h
      .workdirs()
      .acquire({ repo: origin.repo, agent: h.agents.dev, target: { kind: 'issue-branch', branch: 'issue-1-trouble' } });
    assert.ok(acquired.ok);
    lease = acquired.value;
  });

  after(async () => {
    await lease?.release();
    await model?.close();
    await h?.close();
  });

  /** One run of one turn: the runtime in its enclosure, the scripted model behind the proxy playing `fault`. */
  async function run(
    kind: IsolationKind,
    fault: Fault,
    options: { maxRetries: number; idleTimeoutMs?: number },
  ): Promise<TroubledRun> {
    model.injectFault(fault);
    model.setScript([text('Done, despite the trouble.')]);
    const troubles: ModelTrouble[] = [];
    let recoveries = 0;
    const isolation = testIsolation(h.dataDir, kind);
    const configDir = join(h.dataDir, 'claude', `trouble-${kind}-${Date.now()}`);
    mkdirSync(configDir, { recursive: true });
    const enclosure = await isolation.open({
      label: 'trouble',
      agent: h.agents.dev,
      model: {
        name: 'claude-sonnet-4-5',
        credential: { kind: 'api-key', secret: new Secret('sk-real') },
        baseUrl: model.url,
      },
      budgetUsd: undefined,
      modelWatch: {
        idleTimeoutMs: options.idleTimeoutMs,
        onTrouble: (trouble) => void troubles.push(trouble),
        onRecovered: () => void (recoveries += 1),
      },
      worktree: { path: lease.path, ...lease.gitDirs, writable: true },
      git: { upstream: lease.remoteUrl, push: lease.branch ? ownBranchOnly(lease.branch) : undefined },
      configDir,
    });
    const processes = createRuntimeProcesses(kind === 'bwrap' ? enclosure.wrap : undefined);
    const messages: SDKMessage[] = [];
    try {
      const env = runEnv({
        base: { PATH: process.env.PATH, HOME: h.home },
        identity: lease.identity,
        enclosure: enclosure.env,
        configDir,
        maxRetries: options.maxRetries,
      });
      const turns = query({
        prompt: 'Say you are done.',
        options: {
          cwd: lease.path,
          env,
          model: 'claude-sonnet-4-5',
          tools: ['Read'],
          settingSources: [],
          spawnClaudeCodeProcess: processes.spawn,
        },
      });
      for await (const message of turns) messages.push(message);
    } catch {
      // A run that ends on an error result throws after it: the result was kept.
    } finally {
      await processes.settled();
    }
    const report = enclosure.report();
    await enclosure.close();
    await isolation.close();
    model.injectFault(undefined);
    const result = messages.find((message): message is SDKResultMessage => message.type === 'result');
    return { result, report, troubles, recoveries };
  }

  for (const kind of ['bwrap', 'none'] as const) {
    describe(`isolation: ${kind}`, () => {
      it('cuts a stalled stream after the idle timeout: the runtime retries, the run succeeds, and the stall is reported', async () => {
        const from = model.requests.length;

        const { result, report, troubles, recoveries } = await run(
          kind,
          { kind: 'stall', count: 1 },
          { maxRetries: 2, idleTimeoutMs: 1_000 },
        );

        assert.equal(
          result?.subtype === 'success' && result.result,
          'Done, despite the trouble.',
          JSON.stringify(result),
        );
        assert.deepEqual(
          model.requests
            .slice(from)
            .map((request) => (request.kind === 'faulted' ? request.fault : request.kind))
            .filter((kind) => kind !== 'auxiliary'),
          ['stall', 'turn'],
        );
        assert.deepEqual(
          troubles.map((trouble) => [trouble.attempt, trouble.status]),
          [[1, 'stalled']],
        );
        assert.equal(recoveries, 1);
        assert.deepEqual(
          { ...report.model, failures: { ...report.model.failures, lastMessage: undefined } },
          { stalls: 1, failures: { count: 1, lastStatus: 'stalled', lastMessage: undefined }, consecutiveFailures: 0 },
        );
      });

      it('counts each 529 the runtime retries, tells it with its attempt, and tells the recovery', async () => {
        const { result, report, troubles, recoveries } = await run(
          kind,
          { kind: 'overloaded', count: 2 },
          { maxRetries: 2 },
        );

        assert.equal(
          result?.subtype === 'success' && result.result,
          'Done, despite the trouble.',
          JSON.stringify(result),
        );
        assert.deepEqual(troubles, [
          { attempt: 1, status: 529, message: 'Overloaded' },
          { attempt: 2, status: 529, message: 'Overloaded' },
        ]);
        assert.equal(recoveries, 1);
        assert.deepEqual(report.model, {
          stalls: 0,
          failures: { count: 2, lastStatus: 529, lastMessage: 'Overloaded' },
          consecutiveFailures: 0,
        });
      });
    });
  }

  it("caps the runtime's own retries with maxRetries: with 1, a turn the API always refuses is asked at most twice", async () => {
    const from = model.requests.length;

    const { result, report, recoveries } = await run('none', { kind: 'overloaded' }, { maxRetries: 1 });

    const asked = model.requests.slice(from).filter((request) => request.kind === 'faulted' || request.kind === 'turn');
    assert.equal(asked.length, 2);
    assert.equal(result?.is_error, true);
    assert.equal(report.model.failures.count, 2);
    assert.equal(report.model.consecutiveFailures, 2);
    assert.equal(recoveries, 0);
  });
});

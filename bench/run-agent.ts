/**
 * Agent-run latency benchmark (the "agents that really run" issue, item 4), `npm run bench -- run`:
 * how long from the webhook of a comment reaching the service to the model receiving the agent's
 * first request, through the real service (intake, dispatch, a warm worktree, the prompt composer
 * reading the forge double, the status comment, the real SDK and Claude Code runtime) against the
 * scripted model, which records when each request arrives. 20 comments, one after the other, each
 * resuming dev's session on the same issue.
 *
 * Baselines measured in the same run: the runtime's own start-up alone — a bare `query()` with a
 * trivial prompt, from the call to its first model request — and the same with the runtime started
 * ahead by the SDK's `startup()` (a `WarmQuery`), from `warm.query()` to the first request.
 *
 * The service figure is measured twice: with the runtime started early (`startup()` while the
 * prompt is composed, the default) and without.
 *
 * Target: webhook → first model request p99 < 1.5 s.
 */
import { query, startup, type Options } from '@anthropic-ai/claude-agent-sdk';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_TOKEN, REPO, startFlow } from '../test/support/flow.js';
import { sdkEnv, startScriptedModel, text, type ScriptedModel } from '../test/support/model/index.js';
import { percentile, writeReport } from './lib/report.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const RUNTIME_RUNS = Number(process.env.BENCH_RUNTIME_RUNS ?? 5);

export async function run(): Promise<void> {
  const model = await startScriptedModel({ respond: () => text('Noted.') });
  try {
    const bare = await runtimeAlone(model, false);
    const warm = await runtimeAlone(model, true);
    const late = [...(await throughService(model, false))].sort((a, b) => a - b);
    const service = await throughService(model, true);
    const sorted = [...service].sort((a, b) => a - b);
    const p99 = percentile(sorted, 99);
    writeReport({
      name: 'run-agent',
      figures: {
        webhook_to_first_model_request_p50_ms: percentile(sorted, 50),
        webhook_to_first_model_request_p99_ms: p99,
        runs: service.length,
        without_early_start_p50_ms: percentile(late, 50),
        without_early_start_p99_ms: percentile(late, 99),
        runtime_alone_query_to_first_request_p50_ms: percentile(bare.sort((a, b) => a - b), 50),
        runtime_warm_query_to_first_request_p50_ms: percentile(warm.sort((a, b) => a - b), 50),
      },
      targets: { webhook_to_first_model_request_p99_ms: { value: p99, max: 1500 } },
      notes: [
        `webhook → first model request: ${RUNS} comments on one issue, each a resumed dev session in a warm worktree (delta prompt, status comment posted first), the runtime started early (startup()) while the prompt is composed.`,
        'without_early_start: the same with the runtime started only once the prompt is ready (startRuntimeEarly: false).',
        `runtime alone: a bare query() with a trivial prompt, call → first model request (p50 of ${RUNTIME_RUNS}); warm: the same after startup() has started the runtime.`,
      ],
    });
  } finally {
    await model.close();
  }
}

/** Call → first model request of a trivial `query()`, cold or after `startup()`. */
async function runtimeAlone(model: ScriptedModel, warm: boolean): Promise<number[]> {
  const root = mkdtempSync(join(tmpdir(), 'bench-run-runtime-'));
  const times: number[] = [];
  try {
    for (let i = 0; i < RUNTIME_RUNS; i++) {
      const options: Options = { cwd: root, env: sdkEnv({ modelUrl: model.url, configDir: join(root, 'claude') }), maxTurns: 1, permissionMode: 'bypassPermissions', allowDangerouslySkipPermissions: true };
      const before = model.turnRequests.length;
      const prepared = warm ? await startup({ options }) : undefined;
      const started = Date.now();
      const messages = prepared ? prepared.query('Say hi.') : query({ prompt: 'Say hi.', options });
      for await (const _message of messages) {
        // drain to the result
      }
      const first = model.turnRequests[before];
      if (first) times.push(first.at - started);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return times;
}

/** Webhook received (the delivery's `receivedAt`) → the agent's first model request, per comment. */
async function throughService(model: ScriptedModel, startRuntimeEarly: boolean): Promise<number[]> {
  const flow = await startFlow({ modelUrl: model.url, devRunsPerHour: 1000, startRuntimeEarly });
  try {
    const alice = flow.forge.as('alice');
    const issue = await alice.openIssue(REPO, { title: 'Login fails for names with spaces', body: 'Please fix.' });
    await alice.assign(REPO, issue.number, 'dev');
    await flow.settle(); // boss triages, dev's first run: the worktree and the session exist from here on
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const before = model.turnRequests.length;
      const sent = Date.now();
      await alice.comment(REPO, issue.number, `@dev ping ${i}`);
      await flow.settle();
      // Everything was idle before the comment: its webhook is the first delivery after it (the
      // status comment's own webhooks come later).
      const response = await fetch(`${flow.service.url}/api/deliveries?limit=20`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      const { deliveries } = (await response.json()) as { deliveries: Array<{ eventType: string; source: string; receivedAt: number }> };
      const delivery = deliveries.filter((d) => d.source === 'webhook' && d.receivedAt >= sent).at(-1);
      const first = model.turnRequests[before];
      if (delivery && first) times.push(first.at - delivery.receivedAt);
    }
    return times;
  } finally {
    await flow.close();
  }
}

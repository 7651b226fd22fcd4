/**
 * Agent-run latency benchmark (docs/decisions.md §28), `npm run bench -- run`:
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
 * The service figure is measured twice: with the runtime started early (`startup()` once the
 * worktree is ready, while the run is recorded; the default) and without. Each comes with its
 * breakdown, read from the service's own log lines: webhook → `job started` → `workspace ready`
 * → `asking the model` (the runner hands the prompt to the runtime) → the first model request.
 *
 * Every run is in its bubblewrap sandbox unless said otherwise: the service figure is measured with
 * `isolation: bwrap` and, as its baseline, `isolation: none`, in the same run. The model proxy's own
 * cost is measured apart: the same streamed request straight to the scripted model, and through a
 * run's endpoint as a sandboxed runtime reaches it (a loopback port forwarded to the endpoint's
 * unix socket by the sandbox's init script, then the proxy, then the model).
 *
 * What a person sees first is the status comment: for the same comments, webhook → the moment the
 * forge double made the job's status comment visible (its first write a GET would return), with
 * and without the sandbox.
 *
 * Targets: webhook → first model request p99 < 1.5 s with the sandbox, and its p50 within 1.2× of
 * the same without; webhook → status comment visible p99 < 500 ms with the sandbox.
 */
import { query, startup, type Options } from '@anthropic-ai/claude-agent-sdk';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { isStatusComment } from '../src/core/status-marker.js';
import { createLogger, silentLogger } from '../src/lib/logger.js';
import { Secret } from '../src/lib/secret.js';
import { ensureInitScript } from '../src/sandbox/init-script.js';
import { createModelProxy } from '../src/sandbox/model-proxy.js';
import { startRunEndpoint } from '../src/sandbox/run-endpoint.js';
import type { EgressProxy } from '../src/sandbox/egress-proxy.js';
import { ADMIN_TOKEN, REPO, startFlow } from '../test/support/flow.js';
import { sdkEnv, startScriptedModel, text, type ScriptedModel } from '../test/support/model/index.js';
import { measureLoad } from './lib/machine-load.js';
import { percentile, writeReport } from './lib/report.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const RUNTIME_RUNS = Number(process.env.BENCH_RUNTIME_RUNS ?? 5);
const PROXY_REQUESTS = Number(process.env.BENCH_PROXY_REQUESTS ?? 300);

export async function run(): Promise<void> {
  const model = await startScriptedModel({ respond: () => text('Noted.') });
  const loadBefore = loadavg()[0] ?? Number.NaN;
  const load = measureLoad();
  try {
    const bare = await runtimeAlone(model, false);
    const warm = await runtimeAlone(model, true);
    const late = await throughService(model, false, 'bwrap');
    const unsandboxed = await throughService(model, true, 'none');
    const early = await throughService(model, true, 'bwrap');
    const proxy = await proxyLatency(model);
    const busy = load.end();
    const p99 = p(early.total, 99);
    const statusP99 = p(early.statusVisible, 99);
    const statusShare = p(early.statusVisible, 50) / p(early.total, 50);
    const sandboxRatio = p(early.total, 50) / p(unsandboxed.total, 50);
    writeReport({
      name: 'run-agent',
      figures: {
        webhook_to_first_model_request_p50_ms: p(early.total, 50),
        webhook_to_first_model_request_p99_ms: p99,
        runs: early.total.length,
        webhook_to_status_comment_visible_p50_ms: p(early.statusVisible, 50),
        webhook_to_status_comment_visible_p99_ms: statusP99,
        status_comments_seen: early.statusVisible.filter(Number.isFinite).length,
        status_comment_visible_p50_over_first_model_request_p50: statusShare,
        isolation_none_p50_ms: p(unsandboxed.total, 50),
        isolation_none_p99_ms: p(unsandboxed.total, 99),
        isolation_none_status_comment_visible_p50_ms: p(unsandboxed.statusVisible, 50),
        isolation_none_status_comment_visible_p99_ms: p(unsandboxed.statusVisible, 99),
        sandboxed_p50_over_none_p50: sandboxRatio,
        proxy_added_latency_p50_ms: p(proxy.proxied, 50) - p(proxy.direct, 50),
        proxy_added_latency_p99_ms: p(proxy.proxied, 99) - p(proxy.direct, 99),
        model_request_direct_p50_ms: p(proxy.direct, 50),
        model_request_direct_p99_ms: p(proxy.direct, 99),
        model_request_through_proxy_p50_ms: p(proxy.proxied, 50),
        model_request_through_proxy_p99_ms: p(proxy.proxied, 99),
        webhook_to_job_started_p50_ms: p(early.jobStarted, 50),
        webhook_to_workspace_ready_p50_ms: p(early.workspaceReady, 50),
        webhook_to_model_asked_p50_ms: p(early.modelAsked, 50),
        model_asked_to_first_request_p50_ms: p(early.runtime, 50),
        without_early_start_p50_ms: p(late.total, 50),
        without_early_start_p99_ms: p(late.total, 99),
        without_early_start_model_asked_p50_ms: p(late.modelAsked, 50),
        without_early_start_model_asked_to_first_request_p50_ms: p(late.runtime, 50),
        runtime_alone_query_to_first_request_p50_ms: p(bare, 50),
        runtime_warm_query_to_first_request_p50_ms: p(warm, 50),
        load_average_1m_before: loadBefore,
        load_average_1m_after: loadavg()[0] ?? Number.NaN,
        machine_busy_share_during: busy.machineBusy,
        bench_process_cores_during: busy.processCores,
      },
      targets: {
        webhook_to_first_model_request_p99_ms: { value: p99, max: 1500 },
        sandboxed_p50_over_none_p50: { value: sandboxRatio, max: 1.2 },
        webhook_to_status_comment_visible_p99_ms: { value: statusP99, max: 500 },
      },
      notes: [
        `webhook → first model request: ${RUNS} comments on one issue, each a resumed dev session in a warm worktree (delta prompt read from the forge and the status comment posted while the worktree is fetched), the runtime started early (startup()) once the worktree is ready, in its bubblewrap sandbox.`,
        'webhook → status comment visible: the same comments, until the forge double committed the first write of the job’s status comment (the moment a GET would return it); status_comments_seen counts the comments that had one; over_first_model_request: its p50 as a share of webhook → first model request p50, same run.',
        "isolation_none: the same service with isolation: none (no sandbox; the same proxies over loopback TCP), measured in the same run: the baseline of the sandbox's cost.",
        `proxy: ${PROXY_REQUESTS} streamed requests, one at a time, request → end of the response; direct to the scripted model, and through the run's endpoint as the sandbox reaches it (loopback port → the init script's forwarder → unix socket → model proxy → model). added latency = proxied − direct, at p50 and at p99.`,
        'breakdown (p50 of each step, from the service log): webhook → job started → workspace ready → asking the model → first model request.',
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
      const options: Options = {
        cwd: root,
        env: sdkEnv({ modelUrl: model.url, configDir: join(root, 'claude') }),
        maxTurns: 1,
        permissionMode: 'bypassPermissions',
        allowDangerouslySkipPermissions: true,
      };
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

/** Milliseconds from the webhook to each step, one entry per comment. */
interface Timings {
  readonly total: number[];
  readonly jobStarted: number[];
  readonly workspaceReady: number[];
  readonly modelAsked: number[];
  /** `asking the model` → the first model request: the runtime's share. */
  readonly runtime: number[];
  /** Webhook → the forge double made dev's status comment for the job visible (NaN when none was). */
  readonly statusVisible: number[];
}

/** Webhook received (the delivery's `receivedAt`) → the agent's first model request, per comment. */
async function throughService(
  model: ScriptedModel,
  startRuntimeEarly: boolean,
  isolation: 'bwrap' | 'none',
): Promise<Timings> {
  const lines: Array<{ time: string; msg: string; agent?: string }> = [];
  const log = createLogger({
    level: 'info',
    destination: { write: (line: string) => void lines.push(JSON.parse(line) as (typeof lines)[number]) },
  });
  const flow = await startFlow({ modelUrl: model.url, devRunsPerHour: 1000, startRuntimeEarly, log, isolation });
  try {
    const alice = flow.forge.as('alice');
    const issue = await alice.openIssue(REPO, { title: 'Login fails for names with spaces', body: 'Please fix.' });
    await alice.assign(REPO, issue.number, 'dev');
    await flow.settle(); // boss triages, dev's first run: the worktree and the session exist from here on
    const times: Timings = {
      total: [],
      jobStarted: [],
      workspaceReady: [],
      modelAsked: [],
      runtime: [],
      statusVisible: [],
    };
    for (let i = 0; i < RUNS; i++) {
      lines.length = 0;
      const before = model.turnRequests.length;
      const sent = Date.now();
      await alice.comment(REPO, issue.number, `@dev ping ${i}`);
      await flow.settle();
      // Everything was idle before the comment: its webhook is the first delivery after it (the
      // status comment's own webhooks come later).
      const response = await fetch(`${flow.service.url}/api/deliveries?limit=20`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      const { deliveries } = (await response.json()) as {
        deliveries: Array<{ eventType: string; source: string; receivedAt: number }>;
      };
      const delivery = deliveries.filter((d) => d.source === 'webhook' && d.receivedAt >= sent).at(-1);
      const first = model.turnRequests[before];
      if (!delivery || !first) continue;
      const at = (msg: string) => {
        const line = lines.find(
          (l) =>
            l.msg === msg && (l.agent === undefined || l.agent === 'dev') && Date.parse(l.time) >= delivery.receivedAt,
        );
        return line ? Date.parse(line.time) - delivery.receivedAt : Number.NaN;
      };
      times.total.push(first.at - delivery.receivedAt);
      times.jobStarted.push(at('job started'));
      times.workspaceReady.push(at('workspace ready'));
      times.modelAsked.push(at('asking the model'));
      times.runtime.push(first.at - delivery.receivedAt - at('asking the model'));
      // The previous run's status comment was finished before `settle()` returned: the first
      // status write after this webhook is this job's comment appearing.
      const status = flow.forge
        .commentWrites(REPO, issue.number)
        .find((w) => w.author === 'dev' && w.at >= delivery.receivedAt && isStatusComment(w.body));
      times.statusVisible.push(status ? status.at - delivery.receivedAt : Number.NaN);
    }
    return times;
  } finally {
    await flow.close();
  }
}

/**
 * One streamed model request at a time, request → end of response: straight to the model, and
 * through a run's endpoint reached the way a sandboxed runtime reaches it.
 */
async function proxyLatency(model: ScriptedModel): Promise<{ direct: number[]; proxied: number[] }> {
  const root = mkdtempSync(join(tmpdir(), 'bench-run-proxy-'));
  const token = 'b'.repeat(64);
  const socket = join(root, 'service.sock');
  const proxy = createModelProxy({
    upstream: model.url,
    credential: { kind: 'api-key', secret: new Secret('bench-key') },
    budgetUsd: undefined,
    log: silentLogger(),
  });
  const endpoint = await startRunEndpoint(
    token,
    { model: proxy, git: undefined, egress: {} as EgressProxy },
    { socket },
  );
  const init = await ensureInitScript(root);
  const port = 41_000 + Math.floor(Math.random() * 1000);
  const forwarder = spawn(
    process.execPath,
    [init, socket, String(port), process.execPath, '-e', 'setTimeout(() => {}, 600000)'],
    // Its own process group: the command it starts (the stand-in runtime) ends with it.
    { stdio: 'ignore', detached: true },
  );
  try {
    await waitForPort(port);
    const direct: number[] = [];
    const proxied: number[] = [];
    for (let i = 0; i < PROXY_REQUESTS; i++) {
      direct.push(await timedRequest(model.url, token));
      proxied.push(await timedRequest(`http://127.0.0.1:${port}`, token));
    }
    return { direct, proxied };
  } finally {
    try {
      process.kill(-forwarder.pid!, 'SIGKILL');
    } catch {
      forwarder.kill('SIGKILL'); // no group (it never started)
    }
    await endpoint.close();
    rmSync(root, { recursive: true, force: true });
  }
}

async function timedRequest(base: string, token: string): Promise<number> {
  const started = performance.now();
  const response = await fetch(`${base}/v1/messages?beta=true`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': token, 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({
      model: 'claude-sonnet-4-5',
      max_tokens: 64,
      stream: true,
      messages: [{ role: 'user', content: 'Say hi.' }],
      tools: [{ name: 'noop', input_schema: { type: 'object' } }],
    }),
  });
  await response.text();
  return performance.now() - started;
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const open = await new Promise<boolean>((resolve) => {
      const probe = connect(port, '127.0.0.1', () => (probe.destroy(), resolve(true)));
      probe.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the forwarder never listened on ${port}`);
}

/** The percentile of the figures that were measured (a step whose log line was missed is NaN). */
function p(values: readonly number[], at: number): number {
  return percentile(
    [...values].filter((v) => Number.isFinite(v)).sort((a, b) => a - b),
    at,
  );
}

/**
 * The checks benchmark's scene (`bench/checks.ts`): the real service (HTTP intake, SQLite,
 * routing, the pull watch) started as the flow tests start it, over the forge double with dev's
 * pull requests opened on it. Dispatch is paused, so dev's jobs stay queued and no agent runs (a
 * runner that counts its calls stands behind it, and must not be called).
 *
 * The double is detached from the service: each webhook it emits is sent by the benchmark itself,
 * its exact bytes and headers, so the time from "sent" is the service's alone (the double's own git
 * work to record a status happens before). Every request the double answers is the service's —
 * people and CI act on the double in-process — so the calls made while a webhook is processed are
 * the double's request log over that window.
 */
import { rmSync } from 'node:fs';
import type { WorkspaceAgentRunner } from '../../src/agent/workspace-runner.js';
import type { Service } from '../../src/main.js';
import {
  type ForgeDouble,
  type ForgeRequest,
  startForgeDouble,
  type WebhookDelivery,
} from '../../test/support/forge/forge-double.js';
import { AGENTS, type Flow, REPO, startFlow, WEBHOOK_SECRET } from '../../test/support/flow.js';
import type { PlannedStatus } from './checks-stream.js';
import { signals } from './signals.js';

/** A sample that has not finished in this long is a failure of the service, not a slow figure. */
const SAMPLE_TIMEOUT_MS = 30_000;
const CI = 'ci-bot';

export interface BenchPull {
  readonly number: number;
  readonly branch: string;
  /** Its first head, and the second once pushed. */
  readonly heads: string[];
}

export interface StatusSample {
  readonly status: PlannedStatus;
  /** Sent → the check event's routing written (dropped: routing takes no check). */
  readonly routedMs: number;
  /** For a failure on a head: sent → dev's job queued (its `checks_failed` event's decision written). */
  readonly queuedMs?: number;
  /** The forge requests the service made from sending the webhook until everything it caused settled. */
  readonly calls: readonly ForgeRequest[];
}

export interface ChecksService {
  readonly pulls: readonly BenchPull[];
  /** Posts `status` on the double as the CI, sends its webhook and waits until the service settled. */
  sendStatus(status: PlannedStatus): Promise<StatusSample>;
  /** Every PR gets a second head, pushed by dev; its webhooks sent and settled. */
  pushSecondHeads(): Promise<void>;
  /** A comment by alice mentioning dev: ms from its webhook sent to dev's job queued. */
  sendComment(text: string): Promise<number>;
  /** How many times the runner was called (dispatch is paused: none). */
  runnerCalls(): number;
  /** dev's queued jobs. */
  devJobsQueued(): Promise<number>;
  close(): Promise<void>;
}

export async function startChecksService(pullCount: number): Promise<ChecksService> {
  // Gitea: Forgejo sends no `status` webhook (its statuses are read through the API).
  const forge = await startForgeDouble({ webhookSecret: WEBHOOK_SECRET, flavour: 'gitea' });
  let ran = 0;
  const runner: WorkspaceAgentRunner = {
    run: async () => {
      ran++;
      return { ok: true };
    },
  };
  let flow: Flow | undefined;
  try {
    const scene = await sceneOn(forge);
    flow = await startFlow({
      scene,
      runner,
      detached: true,
      isolation: 'none',
      // No timed catch-up: the only forge calls are those the webhooks cause.
      dispatch: 'pollIntervalSeconds: 0',
    });
    await flow.service.store.pauses.pause('*', 'the checks benchmark: dev’s jobs stay queued', Date.now());
    if (!flow.service.watch || !flow.service.leads().includes('poller'))
      throw new Error('the service started without running its pull watch');
    return await seeded(flow, pullCount, () => ran);
  } catch (error) {
    await (flow ? flow.close() : forge.close());
    throw error;
  }
}

async function sceneOn(forge: ForgeDouble) {
  const tokens: Record<string, string> = {};
  for (const login of ['alice', CI, 'claude-hooks-service', ...AGENTS]) tokens[login] = forge.addUser(login).token;
  const [owner = '', name = ''] = REPO.split('/');
  const repo = await forge.createRepo(owner, name, {
    files: { 'README.md': '# widget\n' },
    collaborators: {
      alice: 'write',
      [CI]: 'write',
      boss: 'write',
      dev: 'write',
      reviewer: 'write',
      'claude-hooks-service': 'admin',
    },
    labels: ['needs-human'],
  });
  return { forge, repo, tokens };
}

async function seeded(flow: Flow, pullCount: number, runnerCalls: () => number): Promise<ChecksService> {
  const { forge, service } = flow;
  const watch = service.watch!;
  const wait = signals(SAMPLE_TIMEOUT_MS);
  const queuedAt = new Map<number, number>();
  const wakes = new Map<string, number>();
  service.dispatcher.subscribe((notice) => {
    if (notice.type !== 'events-queued') return;
    const now = performance.now();
    for (const id of notice.eventIds) queuedAt.set(id, now);
    wait.changed();
  });
  service.store.onEvent(({ id, event }) => {
    if (event.type === 'pull_request' && event.action === 'checks_failed' && event.checks)
      wakes.set(`${event.pull.number}@${event.checks.sha}`, id);
  });

  let replayed = 0;
  /** Sends what the double emitted since the last call, in order: when each was sent, and its event. */
  const replay = async () => {
    const sent: Array<{ at: number; event: number | undefined }> = [];
    const all = forge.deliveries();
    while (replayed < all.length) sent.push(await post(service, all[replayed++] as WebhookDelivery));
    return sent;
  };
  const settle = async () => {
    for (let i = 0; i < 3; i++) {
      await watch.idle();
      await service.dispatcher.idle();
    }
  };
  const queued = (event: number, what: string) => wait.until(() => queuedAt.has(event), what);

  const alice = forge.as('alice');
  const dev = forge.as('dev');
  const baseline = await alice.openIssue(REPO, { title: 'Baseline', body: 'Comments here mention dev.' });
  const pulls: BenchPull[] = [];
  for (let i = 0; i < pullCount; i++) {
    const issue = await alice.openIssue(REPO, { title: `Story ${i}`, body: `Do story ${i}.` });
    const branch = `issue-${issue.number}-story`;
    const pushed = await dev.pushCommit(REPO, {
      branch,
      files: { [`src/story-${i}.js`]: `export const story = ${i};\n` },
    });
    const pull = await dev.openPull(REPO, { head: branch, title: `Story ${i}` });
    pulls.push({ number: pull.number, branch, heads: [pushed.after] });
  }
  await replay();
  await settle();
  await expectHeads(service, pulls, 0);

  return {
    pulls,
    async sendStatus(status) {
      const pull = pulls[status.pull]!;
      const sha = pull.heads[status.head]!;
      await forge.as(CI).postStatus(REPO, sha, {
        state: status.state,
        context: status.context,
        description: `${status.context} ${status.state}`,
        targetUrl: `${forge.url}/${REPO}/actions/runs/1`,
      });
      const before = forge.requests().length;
      const [delivery, ...more] = await replay();
      if (!delivery?.event || more.length > 0) throw new Error(`a status gave ${more.length + 1} deliveries`);
      await queued(delivery.event, `the status on #${pull.number} to be routed`);
      await settle();
      let queuedMs: number | undefined;
      if (status.kind === 'fails-head') {
        const wake = wakes.get(`${pull.number}@${sha}`);
        if (wake === undefined) throw new Error(`a failure on the head of #${pull.number} woke nobody`);
        await queued(wake, `dev's job for #${pull.number} to be queued`);
        queuedMs = queuedAt.get(wake)! - delivery.at;
      }
      return {
        status,
        routedMs: queuedAt.get(delivery.event)! - delivery.at,
        ...(queuedMs !== undefined ? { queuedMs } : {}),
        calls: forge.requests().slice(before),
      };
    },
    async pushSecondHeads() {
      for (const pull of pulls) {
        const pushed = await dev.pushCommit(REPO, { branch: pull.branch, files: { 'fix.txt': `${pull.number}\n` } });
        pull.heads[1] = pushed.after;
      }
      await replay();
      await settle();
      await expectHeads(service, pulls, 1);
    },
    async sendComment(text) {
      await alice.comment(REPO, baseline.number, `@dev ${text}`);
      const [delivery] = await replay();
      if (!delivery?.event) throw new Error('the comment was not stored as an event');
      await queued(delivery.event, 'the comment to be queued');
      await settle();
      return queuedAt.get(delivery.event)! - delivery.at;
    },
    runnerCalls,
    async devJobsQueued() {
      const jobs = await service.store.jobs.listJobs({ states: ['queued'], limit: 10_000 });
      return jobs.filter((job) => job.key.agent === 'dev').length;
    },
    async close() {
      const faults = forge.faults();
      await flow.close();
      rmSync(flow.dataDir, { recursive: true, force: true });
      if (faults.length > 0) throw new Error(`the forge double failed: ${String(faults[0])}`);
    },
  };
}

async function post(service: Service, delivery: WebhookDelivery): Promise<{ at: number; event: number | undefined }> {
  const at = performance.now();
  const response = await fetch(`${service.url}/webhook`, {
    method: 'POST',
    headers: delivery.headers,
    body: delivery.body,
  });
  const answer = (await response.json()) as { event?: number };
  if (response.status !== 202) throw new Error(`webhook answered ${response.status}: ${JSON.stringify(answer)}`);
  return { at, event: answer.event };
}

/** The watch knows every PR, at the head the benchmark expects. */
async function expectHeads(service: Service, pulls: readonly BenchPull[], head: 0 | 1): Promise<void> {
  const watched = new Map((await service.store.pulls.listWatched({ open: true })).map((p) => [p.number, p.headSha]));
  const wrong = pulls.filter((pull) => watched.get(pull.number) !== pull.heads[head]);
  if (wrong.length > 0)
    throw new Error(`${wrong.length} of ${pulls.length} PRs not watched at head ${head} (e.g. #${wrong[0]?.number})`);
}

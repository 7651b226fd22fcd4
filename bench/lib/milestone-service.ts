/**
 * The milestones benchmark's service figures: the real service (HTTP intake, SQLite, routing, the
 * milestone driver, the dispatcher with a no-op runner) over an in-process forge holding a
 * tracking issue and a generated tree of stories (`tree-forge.ts`). Each story is merged in turn
 * — a signed `pull_request` closed-and-merged webhook for its `issue-<N>-work` pull request — and
 * two times are taken from the moment the webhook is sent: until the dev jobs of the stories that
 * merge made ready are queued (their `ready` events' decisions written), and until the tracking
 * issue's edit showing the story merged is made. After each merge, the baseline in the same run:
 * one plain comment webhook mentioning dev, until its job is queued.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load-config.js';
import type { RepoRef } from '../../src/core/events.js';
import { silentLogger } from '../../src/lib/logger.js';
import { startService } from '../../src/main.js';
import type { GraphInput } from '../../src/milestones/graph.js';
import type { AgentRunner } from '../../src/queue/ports.js';
import { deliveryHeaders, deliveryIdFor, payloadsDir } from '../../test/support/payloads.js';
import { treeForge } from './tree-forge.js';
import { signals } from './signals.js';

const SECRET = 'bench-secret';
/** A sample that has not finished in this long is a failure of the service, not a slow figure. */
const SAMPLE_TIMEOUT_MS = 30_000;

export const REPO: RepoRef = {
  host: 'gitea.com',
  owner: 'anbraten',
  name: 'test-repo',
  fullName: 'anbraten/test-repo',
  cloneUrl: 'https://gitea.com/anbraten/test-repo.git',
  defaultBranch: 'main',
  private: false,
};

export interface RoundFigures {
  /** Per merge that made stories ready: ms until their jobs were queued. */
  readonly queued: number[];
  /** Per merge: ms until the tracking issue's edit showing it. */
  readonly edited: number[];
  /** Per merge: ms from a plain comment webhook to its job queued. */
  readonly baseline: number[];
  /** Stories handed out in all (each once). */
  readonly handedOut: number;
}

export async function serviceRound(tree: GraphInput, round: number): Promise<RoundFigures> {
  const dataDir = mkdtempSync(join(tmpdir(), 'claude-hooks-bench-milestones-'));
  writeFileSync(join(dataDir, 'skill.md'), 'bench');
  const agent = (name: string, worktree: string) =>
    `  ${name}: { login: ${name}, token: { env: BENCH_SECRET }, git: { name: ${name}, email: ${name}@bench.test }, skill: ${join(dataDir, 'skill.md')}, worktree: ${worktree}, triggers: [{ on: mention }], limits: { concurrency: 50, runsPerHour: 100000 } }`;
  writeFileSync(
    join(dataDir, 'claude-hooks.yaml'),
    [
      `dataDir: ${dataDir}`,
      'server: { port: 0 }',
      `forge: { url: "https://gitea.com", webhookSecret: { env: BENCH_SECRET }, repositories: [${REPO.fullName}] }`,
      'dispatch: { concurrency: 50, perRepository: 50, pollIntervalSeconds: 0 }',
      'milestones: { maxInFlight: 1000 }',
      'agents:',
      agent('boss', 'default-branch'),
      agent('dev', 'issue-branch'),
      '',
    ].join('\n'),
  );
  const loaded = loadConfig({ path: join(dataDir, 'claude-hooks.yaml'), env: { BENCH_SECRET: SECRET }, cwd: dataDir });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.error));

  const wake = signals(SAMPLE_TIMEOUT_MS);
  const forge = treeForge(REPO, tree, loaded.value.milestones.label, wake.changed);
  const runner: AgentRunner = { run: async () => ({ ok: true }) };
  const service = await startService({
    config: loaded.value,
    log: silentLogger(),
    jobRunner: runner,
    forgeClientFor: () => forge.client,
  });
  const driver = service.milestones;
  if (!driver) throw new Error('the service started without its milestone driver');
  const readyEvents = new Map<number, number>();
  const commentEvents = new Map<number, number>();
  const queuedAt = new Map<number, number>();
  const commentQueuedAt = new Map<number, number>();
  service.store.onEvent(({ id, event }) => {
    if (event.type === 'issue' && event.action === 'ready') readyEvents.set(id, event.issue.number);
    if (event.type === 'comment') commentEvents.set(id, event.comment.id);
  });
  service.dispatcher.subscribe((notice) => {
    if (notice.type !== 'events-queued') return;
    const now = performance.now();
    for (const id of notice.eventIds) {
      const story = readyEvents.get(id);
      if (story !== undefined && !queuedAt.has(story)) queuedAt.set(story, now);
      const comment = commentEvents.get(id);
      if (comment !== undefined) commentQueuedAt.set(comment, now);
    }
    wake.changed();
  });
  await service.started;

  // The tracking issue as the catch-up would find it: opted in, its stories found and learned.
  driver.caughtUp(REPO, [{ issue: forge.tracking }]);
  await driver.idle();
  await service.dispatcher.idle();

  const upstream = new Map(tree.stories.map((s) => [s.number, s.footerUpstream]));
  const merged = new Set<number>();
  const handed = new Set([...upstream].filter(([, u]) => u.length === 0).map(([n]) => n));
  await wake.until(() => [...handed].every((n) => queuedAt.has(n)), 'the first wave to be queued');
  const figures = { queued: [] as number[], edited: [] as number[], baseline: [] as number[] };
  const merge = mergeTemplate();
  const comment = commentTemplate();
  for (const story of [...upstream.keys()].sort((a, b) => a - b)) {
    merged.add(story);
    const next = [...upstream].filter(([n, u]) => !handed.has(n) && u.every((up) => merged.has(up))).map(([n]) => n);
    for (const n of next) handed.add(n);
    const editsBefore = forge.edits.length;
    const shows = new RegExp(`^- #${story} .* ✅ PR #${1000 + story}$`, 'm');
    const sent = performance.now();
    await post(service.url, merge(story, round));
    await wake.until(() => next.every((n) => queuedAt.has(n)), `the stories after #${story} to be queued`);
    const queued = performance.now();
    await wake.until(() => forge.edits.slice(editsBefore).some((e) => shows.test(e.body)), `#${story} shown merged`);
    const edit = forge.edits.slice(editsBefore).find((e) => shows.test(e.body))!;
    if (next.length > 0) figures.queued.push(Math.max(...next.map((n) => queuedAt.get(n)!)) - sent);
    figures.edited.push(edit.at - sent);
    if (queued < sent) throw new Error('time went backwards');
    await driver.idle();
    await service.dispatcher.idle();

    const commentId = 100_000 * round + story;
    const asked = performance.now();
    await post(service.url, comment(commentId));
    await wake.until(() => commentQueuedAt.has(commentId), `comment ${commentId} to be queued`);
    figures.baseline.push(commentQueuedAt.get(commentId)! - asked);
    await service.dispatcher.idle();
  }
  const handedOut = readyEvents.size;
  await service.close();
  rmSync(dataDir, { recursive: true, force: true });
  if (handedOut !== tree.stories.length) throw new Error(`${handedOut} of ${tree.stories.length} stories handed out`);
  return { ...figures, handedOut };
}

interface Delivery {
  readonly body: Buffer;
  readonly headers: Record<string, string>;
}

async function post(url: string, delivery: Delivery): Promise<void> {
  const response = await fetch(`${url}/webhook`, { method: 'POST', headers: delivery.headers, body: delivery.body });
  if (response.status !== 202) throw new Error(`webhook answered ${response.status}: ${await response.text()}`);
}

const sample = (name: string) => JSON.parse(readFileSync(join(payloadsDir(), `${name}.json`), 'utf8'));

/** Story N's pull request (#1000+N, head `issue-N-work`) closed and merged. */
function mergeTemplate(): (story: number, round: number) => Delivery {
  const template = sample('gitea-pull_request-closed-merged');
  return (story, round) => {
    const payload = structuredClone(template);
    payload.number = 1000 + story;
    Object.assign(payload.pull_request, {
      number: 1000 + story,
      title: `Story ${story}`,
      state: 'closed',
      merged: true,
      head: { ...payload.pull_request.head, ref: `issue-${story}-work`, sha: `${story}`.padStart(40, '0') },
    });
    const body = Buffer.from(JSON.stringify(payload));
    const deliveryId = deliveryIdFor(`milestones-merge-${round}-${story}`);
    return {
      body,
      headers: deliveryHeaders({
        forge: 'gitea',
        deliveryId,
        body,
        secret: SECRET,
        event: 'pull_request',
        eventType: 'pull_request',
      }),
    };
  };
}

/** A comment mentioning dev on issue 5000, in the benchmark's repository. */
function commentTemplate(): (id: number) => Delivery {
  const template = sample('gitea-issue_comment-created');
  const repository = sample('gitea-pull_request-closed-merged').repository;
  return (id) => {
    const payload = structuredClone(template);
    payload.repository = repository;
    payload.issue.number = 5000;
    payload.comment.id = id;
    payload.comment.body = `@dev baseline ${id}`;
    const body = Buffer.from(JSON.stringify(payload));
    return {
      body,
      headers: deliveryHeaders({
        forge: 'gitea',
        deliveryId: deliveryIdFor(`milestones-comment-${id}`),
        body,
        secret: SECRET,
        event: 'issue_comment',
        eventType: 'issue_comment',
      }),
    };
  };
}

/**
 * Prompt benchmark (docs/decisions.md §11): what a re-dispatch after one new
 * comment sends the model, for a thread of k comments (k = 1, 10, 100, 500) on the forge double,
 * read through the real Gitea client. A resumed session gets the delta since its cursor; a fresh
 * one (the baseline, measured in the same run) the full prompt. Figures are UTF-8 bytes of the
 * user message, and the time to compose it (forge reads included; median of a few runs).
 *
 * Target: the delta at k = 500 is within 2× of the delta at k = 1 — the cost of a follow-up does
 * not grow with the thread. The full prompt's growth (full_500 / full_1) is reported beside it.
 *
 * What woke a run reaches a new session's full prompt too (decisions.md §52): the same full prompt
 * composed with the job's waking events — the new comment (in the thread: not repeated), an
 * assignment, a label, a stacked PR retargeted — against none (the baseline). Target: the full
 * prompt grows only by the news of those events, so the growth at k = 500 is within 1.05× of the
 * growth at k = 1 (the same news, whatever the thread); the waking comment adds nothing.
 * The bytes of the whole first request the model receives (system prompt, tools, and for a
 * resumed session its transcript) need real runs: the real service, SDK and runtime against the
 * scripted model, for k = 1 and 100 only (each k is two real runs): dev's first run on the issue
 * (a fresh session, full prompt), then one more comment (the resumed session, delta prompt).
 */
import { startForgeDouble, type ForgeDouble } from '../test/support/forge/forge-double.js';
import type { AgentConfig } from '../src/config/types.js';
import { createPromptComposer } from '../src/agent/prompt/compose.js';
import type { ComposedPrompt, PromptComposer, PromptRequest } from '../src/agent/prompt/types.js';
import type { RepoRef } from '../src/core/events.js';
import type { StoredEvent } from '../src/core/stored-event.js';
import { createGiteaClient } from '../src/forge/rest/gitea-client.js';
import { normalise } from '../src/forge/webhook/normalise.js';
import { rebaseEvent } from '../src/housekeeping/rebase-request.js';
import { silentLogger } from '../src/lib/logger.js';
import { Secret } from '../src/lib/secret.js';
import type { SessionCursor } from '../src/sessions/cursor.js';
import { REPO as FLOW_REPO, startFlow } from '../test/support/flow.js';
import { startScriptedModel, text, type TurnRequest } from '../test/support/model/index.js';
import { writeReport } from './lib/report.js';

const SIZES = [1, 10, 100, 500] as const;
const RUNS = 5;
const REPO = 'acme/app';
const SKILL = 'You implement issues: read the thread, change the code with tests, open one pull request.\n'.repeat(20);
const NEW_COMMENT = 'Thanks — one more thing: the error message should name the missing field. Can you add that?';

const agent: AgentConfig = {
  name: 'dev',
  login: 'dev-bot',
  token: new Secret('unused'),
  git: { name: 'Dev', email: 'dev@bench.test' },
  skillPath: '/unused',
  role: 'implementer',
  triggers: [],
  limits: { runsPerHour: 100, concurrency: 1, maxTurns: 10, maxBudgetUsd: 1 },
};

/** A comment of a realistic size (a few hundred bytes), different each time. */
const commentText = (i: number): string =>
  `Comment ${i}: I tried the branch again after the last push. The login form still shows the old ` +
  `validation message when the password is empty, and the log has \`AuthError: missing field\` at ` +
  `line ${100 + i}. Could you also check the reset-password flow? It shares the same validator.`;

interface Measured {
  readonly full: number;
  readonly delta: number;
  readonly fullMs: number;
  readonly deltaMs: number;
  /** Bytes the full prompt gains from the waking comment alone (already in the thread). */
  readonly wokenByComment: number;
  /** Bytes the full prompt gains from the waking comment, an assignment, a label and a retarget. */
  readonly wokenByEvents: number;
}

async function measure(forge: ForgeDouble, composer: PromptComposer, repo: RepoRef, k: number): Promise<Measured> {
  const issue = await forge.as('alice').openIssue(REPO, {
    title: `Login validation (${k} comments)`,
    body: 'The login form crashes on an empty password.\n\n## Dependencies\n- none',
  });
  for (let i = 0; i < k; i++) await forge.as(i % 2 === 0 ? 'alice' : 'bob').comment(REPO, issue.number, commentText(i));
  const request = (cursor: SessionCursor | undefined): PromptRequest => ({
    agent,
    skill: SKILL,
    repo,
    issue: issue.number,
    workspace: { branch: `issue-${issue.number}-login-validation`, head: 'a'.repeat(40), remoteMoved: false },
    events: [],
    cursor,
  });
  const firstRun = await composer.compose(request(undefined));
  const sinceFirstRun = forge.deliveries().length;
  await forge.as('alice').comment(REPO, issue.number, NEW_COMMENT);

  const full = await timed(() => composer.compose(request(undefined)));
  const delta = await timed(() => composer.compose(request(firstRun.cursor)));
  if (delta.prompt.empty || !delta.prompt.text.includes(NEW_COMMENT))
    throw new Error(`bench prompt: the delta at k=${k} misses the new comment`);

  // What woke the run: the comment, then dev assigned and a label added, and dev's stacked PR retargeted.
  const commentEvents = storedSince(forge, sinceFirstRun);
  const sinceComment = forge.deliveries().length;
  await forge.as('alice').assign(REPO, issue.number, 'dev-bot');
  await forge.as('alice').addLabels(REPO, issue.number, ['ready']);
  const events = [...commentEvents, ...storedSince(forge, sinceComment), retargeted(repo, issue.number)];
  const bytesWith = async (woke: readonly StoredEvent[]): Promise<number> =>
    (await composer.compose({ ...request(undefined), events: woke })).bytes;
  const quiet = await bytesWith([]);
  const wokenByComment = (await bytesWith(commentEvents)) - quiet;
  const woken = await composer.compose({ ...request(undefined), events });
  if (wokenByComment !== 0 || woken.text.split(NEW_COMMENT).length !== 2)
    throw new Error(`bench prompt: the full prompt at k=${k} repeats the comment that woke the run`);
  if (!woken.text.includes('Rebase "issue-'))
    throw new Error(`bench prompt: the full prompt at k=${k} misses the retarget that woke the run`);
  return {
    full: full.prompt.bytes,
    delta: delta.prompt.bytes,
    fullMs: full.ms,
    deltaMs: delta.ms,
    wokenByComment,
    wokenByEvents: woken.bytes - quiet,
  };
}

let nextEventId = 1;

/** The double's webhooks from delivery `from` on, as the intake would store them. */
function storedSince(forge: ForgeDouble, from: number): StoredEvent[] {
  return forge
    .deliveries()
    .slice(from)
    .flatMap((delivery) => {
      const result = normalise({ forge: 'forgejo', eventType: delivery.eventType, body: delivery.payload });
      if (!result.ok || result.value.kind !== 'event') return [];
      return [{ id: nextEventId++, deliveryId: delivery.id, receivedAt: 0, event: result.value.event }];
    });
}

/** Housekeeping's rebase request for dev's PR of the issue, stacked on PR #41 that merged into main. */
function retargeted(repo: RepoRef, issue: number): StoredEvent {
  const headRef = `issue-${issue}-login-validation`;
  const event = rebaseEvent({
    forge: 'forgejo',
    repo,
    pull: {
      number: 9000 + issue,
      title: 'Login validation',
      body: '',
      author: { login: 'dev-bot', id: 0 },
      state: 'open',
      merged: false,
      headRef,
      headSha: 'a'.repeat(40),
      baseRef: 'issue-41-base',
      labels: [],
      assignees: [],
      requestedReviewers: [],
      updatedAt: '',
    },
    merged: { number: 41, head: 'issue-41-base', base: 'main' },
  });
  return { id: nextEventId++, deliveryId: `housekeeping:${event.fingerprint}`, receivedAt: 0, event };
}

async function timed(compose: () => Promise<ComposedPrompt>): Promise<{ prompt: ComposedPrompt; ms: number }> {
  const samples: number[] = [];
  let prompt: ComposedPrompt | undefined;
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    prompt = await compose();
    samples.push(performance.now() - started);
  }
  if (prompt === undefined) throw new Error('bench prompt: no run');
  return { prompt, ms: samples.sort((a, b) => a - b)[Math.floor(RUNS / 2)] ?? Number.NaN };
}

export async function run(): Promise<void> {
  // Each forge change a second after the one before, as in a real thread (the forge's `since` has
  // whole seconds: comments all made in one second would all come back to a delta's read).
  let now = Date.parse('2024-05-01T10:00:00Z');
  const forge = await startForgeDouble({ webhookSecret: 'bench', clock: () => new Date((now += 1000)) });
  try {
    forge.addUser('alice');
    forge.addUser('bob');
    const bot = forge.addUser('dev-bot');
    await forge.createRepo('acme', 'app', {
      collaborators: { alice: 'write', bob: 'write', 'dev-bot': 'write' },
      labels: ['ready'],
    });
    const client = createGiteaClient({ baseUrl: forge.url, token: new Secret(bot.token), log: silentLogger() });
    const repo = await client.getRepository(REPO);
    const composer = createPromptComposer({ forge: client });
    const results = new Map<number, Measured>();
    for (const k of SIZES) results.set(k, await measure(forge, composer, repo, k));

    const at = (k: number): Measured =>
      results.get(k) ?? {
        full: Number.NaN,
        delta: Number.NaN,
        fullMs: Number.NaN,
        deltaMs: Number.NaN,
        wokenByComment: Number.NaN,
        wokenByEvents: Number.NaN,
      };
    const figures: Record<string, number> = {};
    for (const k of SIZES) {
      figures[`full_bytes_k${k}`] = at(k).full;
      figures[`delta_bytes_k${k}`] = at(k).delta;
    }
    for (const k of SIZES) {
      figures[`full_woken_by_comment_extra_bytes_k${k}`] = at(k).wokenByComment;
      figures[`full_woken_by_events_extra_bytes_k${k}`] = at(k).wokenByEvents;
    }
    for (const k of SIZES) {
      figures[`full_compose_ms_k${k}`] = at(k).fullMs;
      figures[`delta_compose_ms_k${k}`] = at(k).deltaMs;
    }
    for (const [k, bytes] of await wholeFirstRequests()) {
      figures[`request_fresh_bytes_k${k}`] = bytes.fresh;
      figures[`request_resumed_bytes_k${k}`] = bytes.resumed;
    }
    figures.full_500_over_full_1 = at(500).full / at(1).full;
    figures.delta_500_over_delta_1 = at(500).delta / at(1).delta;
    figures.full_500_over_delta_500 = at(500).full / at(500).delta;
    const wokenGrowth = at(500).wokenByEvents / at(1).wokenByEvents;
    figures.full_woken_extra_500_over_full_woken_extra_1 = wokenGrowth;

    writeReport({
      name: 'prompt',
      figures,
      targets: {
        delta_500_over_delta_1: { value: at(500).delta / at(1).delta, max: 2 },
        full_woken_extra_500_over_full_woken_extra_1: { value: wokenGrowth, max: 1.05 },
      },
      notes: [
        'bytes: UTF-8 bytes of the user message after one new comment; full = a fresh session (baseline), delta = a resumed one.',
        'full_woken_*_extra_bytes: what the full prompt gains from the events that woke the run, against the same prompt with none (baseline):',
        '  by_comment = the new comment alone (in the thread: 0); by_events = it, an assignment, a label and a stacked PR retargeted.',
        `compose ms: median of ${RUNS}, forge reads over loopback HTTP to the forge double included.`,
        'request_*_bytes: the whole first request of a run as the model receives it (JSON body: system prompt, tools, messages), real runs, k = 1 and 100 only;',
        '  fresh = a new session with the full prompt; resumed = the next run, delta prompt, whose request also carries the earlier transcript.',
      ],
    });
  } finally {
    await forge.close();
  }
}

const REQUEST_SIZES = [1, 100] as const;

/** Bytes of the first model request of a fresh run (full prompt) and of the resumed run after one more comment. */
async function wholeFirstRequests(): Promise<Map<number, { fresh: number; resumed: number }>> {
  const model = await startScriptedModel({ respond: () => text('Noted.') });
  const flow = await startFlow({ modelUrl: model.url, devRunsPerHour: 100 });
  const sizes = new Map<number, { fresh: number; resumed: number }>();
  const bytesOf = (request: TurnRequest | undefined): number =>
    request ? Buffer.byteLength(JSON.stringify(request.body)) : Number.NaN;
  const devTurnAfter = (from: number): TurnRequest | undefined =>
    model.turnRequests.slice(from).find((turn) => JSON.stringify(turn.body.messages).includes('You are the dev agent'));
  try {
    const alice = flow.forge.as('alice');
    for (const k of REQUEST_SIZES) {
      const issue = await alice.openIssue(FLOW_REPO, {
        title: `Login validation (${k} comments)`,
        body: 'The login form crashes on an empty password.',
      });
      for (let i = 0; i < k; i++) await alice.comment(FLOW_REPO, issue.number, commentText(i));
      await flow.settle();
      const beforeFresh = model.turnRequests.length;
      await alice.assign(FLOW_REPO, issue.number, 'dev');
      await flow.settle();
      const fresh = bytesOf(devTurnAfter(beforeFresh));
      const beforeResumed = model.turnRequests.length;
      await alice.comment(FLOW_REPO, issue.number, `@dev ${NEW_COMMENT}`);
      await flow.settle();
      sizes.set(k, { fresh, resumed: bytesOf(devTurnAfter(beforeResumed)) });
    }
  } finally {
    await flow.close();
    await model.close();
  }
  return sizes;
}

/**
 * The agents' whole story end to end: the real service with the real prompt composer, forge tools and status
 * comments, the forge double, real git worktrees, and the real Claude Agent SDK against the
 * scripted model. alice opens an issue, boss triages it, alice assigns it to dev, dev pushes and
 * opens a PR asking reviewer for a review, reviewer requests changes, and dev answers in the same
 * session from a delta prompt.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunRecord } from '../../src/sessions/ports.js';
import { STORY, storyResponder } from '../support/agent/story-model.js';
import { ADMIN_TOKEN, REPO, startFlow, type Flow } from '../support/flow.js';
import {
  dialogue,
  lastUserMessage,
  textsOf,
  type ScriptedModel,
  startScriptedModel,
  type TurnRequest,
} from '../support/model/index.js';

const TITLE = 'Login fails for names with spaces';
const BODY = 'Steps: log in as "Ada Lovelace".';
const MARKER = /^<!-- claude-hooks:status job=\d+ -->/;

describe('the agent story: triage, implement, review, answer in the same session', { timeout: 300_000 }, () => {
  let model: ScriptedModel;
  let flow: Flow;
  let runs: RunRecord[];
  let pull: number;

  const turnsOf = (role: string): TurnRequest[] =>
    model.turnRequests.filter((request) =>
      textsOf(dialogue(request.body)[0]!).join('').includes(`You are the ${role} agent`),
    );

  before(async () => {
    model = await startScriptedModel({ respond: storyResponder() });
    flow = await startFlow({ modelUrl: model.url });
    const alice = flow.forge.as('alice');
    await alice.openIssue(REPO, { title: TITLE, body: BODY });
    await flow.settle();
    await alice.assign(REPO, 1, 'dev');
    await flow.settle();
    pull = flow.forge.pulls(REPO)[0]?.number ?? 0;
    const response = await fetch(`${flow.service.url}/api/runs`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    runs = ((await response.json()) as { runs: RunRecord[] }).runs.reverse();
  });

  after(async () => {
    await flow?.close();
    await model?.close();
  });

  it('runs boss, dev, reviewer, then dev again, each to success', () => {
    assert.deepEqual(
      runs.map((run) => [run.key.agent, run.key.issue, run.outcome]),
      [
        ['boss', 1, 'succeeded'],
        ['dev', 1, 'succeeded'],
        ['reviewer', pull, 'succeeded'],
        ['dev', 1, 'succeeded'],
      ],
      JSON.stringify(runs.map((run) => [run.key.agent, run.outcome, run.error])),
    );
  });

  it('has boss triage the issue with a comment through mcp__forge__comment', () => {
    const triage = flow.forge.comments(REPO, 1).find((comment) => comment.body === STORY.triage);

    assert.equal(triage?.author, 'boss');
    assert.ok(runs[0]?.changes?.some((change) => change.kind === 'comment'));
  });

  it('has dev commit with its identity on issue-1-…, push, open the PR and ask reviewer for a review', async () => {
    const branches = await flow.forge.branches(REPO);
    const branch = Object.keys(branches).find((name) => name.startsWith('issue-1-'));
    const pr = flow.forge.pulls(REPO)[0];
    const worktree = (await flow.service.workdirs.list()).find((w) => w.agent === 'dev');

    assert.equal(branch, 'issue-1-login-fails-for-names-with-spaces');
    assert.deepEqual(
      [pr?.author, pr?.title, pr?.pull?.headRef, pr?.pull?.baseRef],
      ['dev', STORY.pullTitle, branch, 'main'],
    );
    assert.ok(
      flow.forge
        .reviews(REPO, pull)
        .some((review) => review.reviewer === 'reviewer' && review.state === 'REQUEST_CHANGES'),
    );
    assert.equal(worktree?.branch, branch);
    assert.equal(branches[branch!], git(worktree!.path, 'rev-parse', 'HEAD'), "the worktree's head is pushed");
    assert.deepEqual(git(worktree!.path, 'log', '-2', '--format=%an <%ae>').split('\n'), [
      'Dev <dev@agents.test>',
      'Dev <dev@agents.test>',
    ]);
    assert.deepEqual(
      runs[1]?.changes?.map((change) => change.kind),
      ['pull', 'review-request'],
    );
  });

  it('has reviewer work on the PR head and request changes with mcp__forge__submit_review', () => {
    const review = flow.forge.reviews(REPO, pull).find((r) => r.state === 'REQUEST_CHANGES');

    assert.deepEqual([review?.reviewer, review?.body], ['reviewer', STORY.review]);
  });

  it("resumes dev's session: same id, and the first request carries the first run's messages", () => {
    const dev = turnsOf('dev');
    const second = dev.find((request) =>
      textsOf(lastUserMessage(request.body)!).join('').includes('This resumes your session'),
    );

    assert.equal(runs[3]?.sessionId, runs[1]?.sessionId);
    assert.equal(second?.headers['x-claude-code-session-id'], runs[1]?.sessionId);
    assert.ok(dialogue(second!.body).length > 2, 'the earlier messages are in the request');
    assert.match(textsOf(dialogue(second!.body)[0]!).join(''), /## Conventions/);
  });

  it('sends the resumed run a delta holding the review, not the whole thread again', async () => {
    const response = await fetch(`${flow.service.url}/api/runs/${runs[3]?.id}`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    const delta = ((await response.json()) as { run: RunRecord }).run.prompt?.text ?? '';

    assert.equal(runs[3]?.prompt?.kind, 'delta');
    assert.ok(delta.includes(STORY.review), delta);
    assert.ok(!delta.includes(BODY) && !delta.includes('## Conventions'), delta);
    assert.ok((runs[3]?.prompt?.bytes ?? Infinity) < (runs[1]?.prompt?.bytes ?? 0) / 2);
    assert.ok(
      flow.forge.comments(REPO, 1).some((comment) => comment.body === STORY.answered && comment.author === 'dev'),
      'dev answered the review',
    );
  });

  it('lists the runs through GET /api/runs with new/resumed and full/delta', () => {
    assert.deepEqual(
      runs.map((run) => [run.session, run.prompt?.kind]),
      [
        ['new', 'full'],
        ['new', 'full'],
        ['new', 'full'],
        ['resumed', 'delta'],
      ],
    );
  });

  it('keeps one status comment per run, edited in place to finished', () => {
    const statuses = [...flow.forge.comments(REPO, 1), ...flow.forge.comments(REPO, pull)].filter((comment) =>
      MARKER.test(comment.body),
    );

    assert.equal(statuses.length, runs.length);
    for (const run of runs) {
      const status = statuses.find((comment) => comment.id === run.statusCommentId);
      assert.ok(status, `run ${run.id} has no status comment`);
      assert.equal(status.author, run.key.agent);
      assert.match(status.body, /✅ \*\*\w+\*\* finished/);
    }
  });

  it("leaves no token in the worktrees' .git/config nor in the transcripts", async () => {
    const tokens = Object.values(flow.tokens);
    const configs = (await flow.service.workdirs.list()).map((w) =>
      readFileSync(join(gitDir(w.path), 'config'), 'utf8'),
    );
    const transcripts = filesUnder(join(flow.dataDir, 'claude')).filter((file) => file.endsWith('.jsonl'));

    assert.ok(configs.length >= 3 && transcripts.length >= 3);
    for (const text of [...configs, ...transcripts.map((file) => readFileSync(file, 'utf8'))]) {
      for (const token of tokens) assert.ok(!text.includes(token), 'a token leaked');
    }
  });
});

/** A worktree's `.git` is a file naming its git dir; the config lives in the common dir. */
function gitDir(worktree: string): string {
  const dotGit = join(worktree, '.git');
  if (statSync(dotGit).isDirectory()) return dotGit;
  const pointer = /^gitdir: (.+)$/m.exec(readFileSync(dotGit, 'utf8'))?.[1]?.trim() ?? dotGit;
  return join(pointer, '..', '..');
}

function filesUnder(root: string): string[] {
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .map((name) => join(root, name))
    .filter((path) => statSync(path).isFile());
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();
}

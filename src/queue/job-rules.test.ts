import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { REPO } from '../../test/support/events.js';
import { InvalidTransitionError } from '../core/job-state.js';
import type { ClaimFacts, JobChange } from './job-rules.js';
import {
  afterInterruption,
  afterRun,
  cancelQueued,
  claim,
  meetsFollowUp,
  placeWork,
  requeues,
  settle,
  takesCancelRequest,
} from './job-rules.js';
import type { ClaimLimits, Job, JobFinish } from './ports.js';

const NOW = 50_000;

const job = (fields: Partial<Job> = {}): Job => ({
  id: 7,
  key: { agent: 'dev', repo: 'forge.test/acme/widget', issue: 1 },
  repoRef: REPO,
  state: 'queued',
  attempts: 0,
  notBefore: 1_000,
  createdAt: 1_000,
  startedAt: null,
  finishedAt: null,
  error: null,
  eventIds: [1, 2],
  ...fields,
});

const running = (fields: Partial<Job> = {}): Job => job({ state: 'running', attempts: 1, startedAt: 2_000, ...fields });

const idle: ClaimFacts = { running: { key: 0, total: 0, repo: 0, agent: 0 }, cleanupRunning: false };
const facts = (counts: Partial<ClaimFacts['running']>, cleanupRunning = false): ClaimFacts => ({
  running: { ...idle.running, ...counts },
  cleanupRunning,
});
const LIMITS: ClaimLimits = { concurrency: 4, perRepository: 2, perAgent: 3 };

describe('the job queue rules', () => {
  describe('where new work for a key goes', () => {
    it('joins the key’s queued job when it has one', () => {
      assert.deepEqual(placeWork(12, NOW), { kind: 'join', jobId: 12 });
    });

    it('makes a new queued job, due now, when the key has none (a follow-up when its job runs)', () => {
      assert.deepEqual(placeWork(undefined, NOW), { kind: 'create', notBefore: NOW, createdAt: NOW });
    });
  });

  describe('a claim', () => {
    it('starts a queued job: running, one more attempt, started now, no end', () => {
      const claimed = claim(job({ attempts: 1, finishedAt: 900 }), idle, NOW, LIMITS);

      assert.deepEqual(claimed, {
        ok: true,
        value: {
          id: 7,
          state: 'running',
          attempts: 2,
          notBefore: 1_000,
          startedAt: NOW,
          finishedAt: null,
          error: null,
        },
      });
    });

    const refusals: Array<{ name: string; job: Job; facts: ClaimFacts; limits?: ClaimLimits; refusal: string }> = [
      { name: 'a job that is not queued', job: running(), facts: idle, refusal: 'not-queued' },
      { name: 'a job that has ended', job: job({ state: 'succeeded' }), facts: idle, refusal: 'not-queued' },
      {
        name: 'a job whose key has a running job',
        job: job(),
        facts: facts({ key: 1, total: 1, repo: 1, agent: 1 }),
        refusal: 'key-running',
      },
      {
        name: 'a job whose key a cleanup task is working on',
        job: job(),
        facts: facts({}, true),
        refusal: 'cleanup-running',
      },
      {
        name: 'a job over the overall limit',
        job: job(),
        facts: facts({ total: 4 }),
        limits: LIMITS,
        refusal: 'over-limit',
      },
      {
        name: 'a job over its repository’s limit',
        job: job(),
        facts: facts({ total: 2, repo: 2 }),
        limits: LIMITS,
        refusal: 'over-limit',
      },
      {
        name: 'a job over its agent’s limit',
        job: job(),
        facts: facts({ total: 3, agent: 3 }),
        limits: LIMITS,
        refusal: 'over-limit',
      },
    ];
    for (const c of refusals) {
      it(`refuses ${c.name}`, () => {
        assert.deepEqual(claim(c.job, c.facts, NOW, c.limits), { ok: false, error: c.refusal });
      });
    }

    it('starts a job that takes the last slot of every limit', () => {
      assert.equal(claim(job(), facts({ total: 3, repo: 1, agent: 2 }), NOW, LIMITS).ok, true);
    });

    it('counts no limits when it is given none', () => {
      assert.equal(claim(job(), facts({ total: 100, repo: 100, agent: 100 }), NOW).ok, true);
    });
  });

  describe('the end of a run', () => {
    type End = {
      name: string;
      finish: JobFinish;
      state: string;
      attempts: number;
      notBefore: number;
      startedAt: number | null;
      finishedAt: number | null;
      error: string | null;
    };
    const ends: End[] = [
      {
        name: 'a success ends it succeeded, its error cleared',
        finish: { state: 'succeeded' },
        state: 'succeeded',
        attempts: 2,
        notBefore: 1_000,
        startedAt: 2_000,
        finishedAt: NOW,
        error: null,
      },
      {
        name: 'a failure ends it failed, with the error',
        finish: { state: 'failed', error: 'boom' },
        state: 'failed',
        attempts: 2,
        notBefore: 1_000,
        startedAt: 2_000,
        finishedAt: NOW,
        error: 'boom',
      },
      {
        name: 'a cancel ends it cancelled, with the reason',
        finish: { state: 'cancelled', error: 'operator' },
        state: 'cancelled',
        attempts: 2,
        notBefore: 1_000,
        startedAt: 2_000,
        finishedAt: NOW,
        error: 'operator',
      },
      {
        name: 'a retry puts it back in the queue from its time, keeping the attempt it used',
        finish: { state: 'retry', error: 'overloaded', notBefore: NOW + 5_000 },
        state: 'queued',
        attempts: 2,
        notBefore: NOW + 5_000,
        startedAt: null,
        finishedAt: null,
        error: 'overloaded',
      },
      {
        name: 'a run that could not begin puts it back, giving its attempt back',
        finish: { state: 'waiting', reason: 'worktree leased', notBefore: NOW + 1_000 },
        state: 'queued',
        attempts: 1,
        notBefore: NOW + 1_000,
        startedAt: null,
        finishedAt: null,
        error: 'waiting: worktree leased',
      },
    ];
    for (const { name, finish, ...row } of ends) {
      it(name, () => {
        assert.deepEqual(afterRun(running({ attempts: 2, error: 'earlier' }), finish, NOW), { id: 7, ...row });
      });
    }

    it('gives back no attempt below none', () => {
      assert.equal(
        afterRun(running({ attempts: 0 }), { state: 'waiting', reason: 'leased', notBefore: NOW }, NOW).attempts,
        0,
      );
    });

    it('puts the job back in the queue on a retry or a wait only', () => {
      const finishes: JobFinish[] = [
        { state: 'succeeded' },
        { state: 'failed', error: 'x' },
        { state: 'cancelled', error: 'x' },
        { state: 'retry', error: 'x', notBefore: 0 },
        { state: 'waiting', reason: 'x', notBefore: 0 },
      ];

      assert.deepEqual(finishes.map(requeues), [false, false, false, true, true]);
    });

    it('refuses to end a job the transition table does not let end', () => {
      assert.throws(
        () => afterRun(job({ state: 'succeeded' }), { state: 'failed', error: 'late' }, NOW),
        InvalidTransitionError,
      );
    });
  });

  describe('a job found running after its process is gone', () => {
    it('goes back in the queue, due now, with its attempt kept and the interruption as its error', () => {
      const change = afterInterruption(running(), null, NOW, 'interrupted');

      assert.deepEqual(change, {
        id: 7,
        state: 'queued',
        attempts: 1,
        notBefore: NOW,
        startedAt: null,
        finishedAt: null,
        error: 'interrupted',
      });
    });

    it('ends cancelled instead when someone asked to cancel it', () => {
      const change = afterInterruption(running(), 'cancelled by an operator', NOW, 'interrupted');

      assert.deepEqual([change.state, change.finishedAt, change.error], ['cancelled', NOW, 'cancelled by an operator']);
    });
  });

  describe('a job going back to the queue', () => {
    const requeued: JobChange = afterRun(running(), { state: 'retry', error: 'x', notBefore: NOW }, NOW);

    it('takes in the key’s queued follow-up: its events join the job, and it is deleted', () => {
      assert.deepEqual(settle(requeued, 9), { absorb: 9, job: requeued });
    });

    it('is written alone when the key has no queued job', () => {
      assert.deepEqual(settle(requeued, undefined), { job: requeued });
    });

    it('is the only change that looks for a follow-up', () => {
      const succeeded = afterRun(running(), { state: 'succeeded' }, NOW);

      assert.deepEqual([meetsFollowUp(requeued), meetsFollowUp(succeeded)], [true, false]);
      assert.deepEqual(settle(succeeded, 9), { job: succeeded });
    });
  });

  describe('cancels', () => {
    it('cancel a queued job, now, with the reason', () => {
      assert.deepEqual(cancelQueued(job(), 'operator reset', NOW), {
        id: 7,
        state: 'cancelled',
        attempts: 0,
        notBefore: 1_000,
        startedAt: null,
        finishedAt: NOW,
        error: 'operator reset',
      });
    });

    it('leave alone a job that is running, has ended or does not exist', () => {
      assert.deepEqual(
        [
          cancelQueued(running(), 'r', NOW),
          cancelQueued(job({ state: 'failed' }), 'r', NOW),
          cancelQueued(undefined, 'r', NOW),
        ],
        [undefined, undefined, undefined],
      );
    });

    it('record a cancel request on a running job only', () => {
      assert.deepEqual(
        [
          takesCancelRequest('running'),
          takesCancelRequest('queued'),
          takesCancelRequest('succeeded'),
          takesCancelRequest(undefined),
        ],
        [true, false, false, false],
      );
    });
  });
});

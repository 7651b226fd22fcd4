import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UnknownSweepTaskError } from '../housekeeping/sweeper.js';
import { answerForError } from './error-answers.js';

describe('an error as an HTTP answer', () => {
  it('gives a known domain error its status and reason, with its own message', () => {
    assert.deepEqual(answerForError('sweep', new UnknownSweepTaskError('unknown sweep task "x"')), {
      status: 400,
      body: { error: 'unknown sweep task "x"', reason: 'unknown-task' },
    });
  });

  it('makes anything else a 500 naming the action that failed', () => {
    assert.deepEqual(answerForError('reset', new Error('disk on fire')), {
      status: 500,
      body: { error: 'reset failed: disk on fire', reason: 'failed' },
    });
    assert.deepEqual(answerForError('reset', 'plain text'), {
      status: 500,
      body: { error: 'reset failed: plain text', reason: 'failed' },
    });
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRedactor } from '../../lib/redactor.js';
import { describeUnpushedWork } from './local-work.js';
import { isStatusComment, statusJobOf, statusMarker } from '../../core/status-marker.js';
import { renderOrphaned, renderStatus } from './render-status.js';
import type { RunStatus } from './types.js';

const context = { agent: 'dev', jobId: 12 };
const done = {
  phase: 'finished',
  outcome: 'succeeded',
  turns: 7,
  costUsd: 0.1234,
  durationMs: 192_000,
  session: 'new',
  prompt: 'full',
  silent: false,
  runUrl: undefined,
} as const satisfies RunStatus;

describe('renderStatus', () => {
  const table: ReadonlyArray<{ says: string; status: RunStatus; startedAt?: number; lines: readonly RegExp[] }> = [
    {
      says: 'a queued run with its position',
      status: { phase: 'queued', position: 2 },
      lines: [/^⏳ \*\*dev\*\* is queued \(position 2\)\.$/],
    },
    {
      says: 'a working run with elapsed time, start and what it is doing',
      status: { phase: 'working', elapsedMs: 125_000, activity: 'Running the tests' },
      startedAt: Date.parse('2026-12-01T02:31:40Z'),
      lines: [/^🔧 \*\*dev\*\* is working on this \(2m 5s so far, started 02:31 UTC\)\.$/, /^Now: Running the tests$/],
    },
    {
      says: 'a finished run with turns, cost, duration, session and prompt',
      status: done,
      lines: [
        /^✅ \*\*dev\*\* finished\.$/,
        /^\| Turns \| Cost \| Duration \| Session \| Prompt \|$/,
        /^\| 7 \| \$0\.1234 \| 3m 12s \| new \| full \|$/,
      ],
    },
    {
      says: 'a resumed run with a delta prompt, costing dollars, over an hour',
      status: { ...done, session: 'resumed', prompt: 'delta', costUsd: 2.5, durationMs: 3_780_000 },
      lines: [/^\| 7 \| \$2\.50 \| 1h 3m \| resumed \| delta \|$/],
    },
    {
      says: 'a failed run with its error',
      status: { ...done, outcome: 'failed', detail: 'model API answered 529' },
      lines: [/^❌ \*\*dev\*\* failed\.$/, /^model API answered 529$/],
    },
    {
      says: 'an interrupted run',
      status: { ...done, outcome: 'interrupted' },
      lines: [/^⏹️ \*\*dev\*\* was interrupted\.$/],
    },
    {
      says: 'a run that hit its budget',
      status: { ...done, outcome: 'budget-exceeded', detail: 'spent $1.02 of $1.00' },
      lines: [/cost budget\.$/, /^spent \$1\.02 of \$1\.00$/],
    },
    { says: 'a run that hit its turn limit', status: { ...done, outcome: 'max-turns' }, lines: [/turn limit\.$/] },
    {
      says: 'a silent run, plainly',
      status: { ...done, silent: true },
      lines: [/^⚠️ The run ended without posting anything to the forge\.$/],
    },
    {
      says: 'why a resume fell back to a new session',
      status: { ...done, resumeFallback: 'No conversation found' },
      lines: [/^The stored session could not be resumed \(No conversation found\); this run started a new one\.$/],
    },
    {
      says: 'commits and changes the run did not push, and what that means',
      status: { ...done, unpushed: { uncommitted: true, unpushedCommits: 2 } },
      lines: [
        /^⚠️ 2 commits and uncommitted changes were not pushed: they stay on this worker only, and are lost if the job moves to another worker\.$/,
      ],
    },
    {
      says: 'a link to the run',
      status: { ...done, runUrl: 'https://hooks.example/jobs/12' },
      lines: [/^\[Run details \(job 12\)\]\(https:\/\/hooks\.example\/jobs\/12\)$/],
    },
  ];
  for (const { says, status, startedAt, lines } of table) {
    it(`renders ${says}, under the job's marker`, () => {
      const body = renderStatus(status, { ...context, startedAt });

      const [first, ...rest] = body.split('\n');
      assert.equal(first, '<!-- claude-hooks:status job=12 -->');
      for (const line of lines)
        assert.ok(
          rest.some((candidate) => line.test(candidate)),
          `${line} in:\n${body}`,
        );
    });
  }

  it('says nothing about silence, fallback, unpushed work or a link when there is none', () => {
    const body = renderStatus({ ...done, unpushed: { uncommitted: false, unpushedCommits: 0 } }, context);

    assert.doesNotMatch(body, /without posting|could not be resumed|not pushed|Run details/);
  });

  it('lists the review comments still outstanding, each with its author, place and link', () => {
    const body = renderStatus(
      {
        ...done,
        outstanding: [
          {
            id: 31,
            author: 'alice',
            where: 'src/login.ts:12',
            url: 'https://forge.test/acme/app/pulls/2/files#issuecomment-31',
          },
          { id: 32, author: 'reviewer', where: 'README.md', url: undefined },
        ],
      },
      context,
    );

    const lines = body.split('\n');
    const at = lines.indexOf('Review comments still outstanding:');
    assert.ok(at > 0, body);
    assert.deepEqual(lines.slice(at + 1, at + 3), [
      '- review comment 31 by alice on src/login.ts:12 ([link](https://forge.test/acme/app/pulls/2/files#issuecomment-31))',
      '- review comment 32 by reviewer on README.md',
    ]);
  });

  it('says nothing of review comments when none is outstanding', () => {
    assert.doesNotMatch(renderStatus({ ...done, outstanding: [] }, context), /outstanding/);
    assert.doesNotMatch(renderStatus(done, context), /outstanding/);
  });

  it('shows forge text in the outstanding list as text: no mention, no HTML, no link or emphasis of its own', () => {
    const body = renderStatus(
      {
        ...done,
        outstanding: [
          { id: 33, author: '@bob', where: 'docs/[x](https://evil.test)*<b>.md:4', url: 'javascript:alert(1)' },
        ],
      },
      context,
    );

    const line = body.split('\n').find((candidate) => candidate.startsWith('- review comment 33'));
    assert.equal(line, '- review comment 33 by &#64;bob on docs/\\[x\\]\\(https://evil.test\\)\\*&lt;b&gt;.md:4');
  });

  it('makes text from the run inert: one line, no mention, no HTML', () => {
    const body = renderStatus(
      { phase: 'working', elapsedMs: 0, activity: 'Asking @reviewer\n<!-- claude-hooks:status job=99 --> & more' },
      context,
    );

    assert.doesNotMatch(body, /@/);
    assert.equal(body.match(/<!--/g)?.length, 1);
    assert.match(body, /^Now: Asking &#64;reviewer &lt;!-- claude-hooks:status job=99 --&gt; &amp; more$/m);
    assert.equal(statusJobOf(body), 12);
  });
});

describe('renderStatus, text from a failed run', () => {
  const failures: ReadonlyArray<{ says: string; detail: string; shown: string }> = [
    {
      says: 'a refused connection to the model gateway',
      detail: 'failed: API Error: Connection error. (connect ECONNREFUSED 127.0.0.1:4321)',
      shown: 'failed: API Error: Connection error. (connect ECONNREFUSED [internal address])',
    },
    {
      says: 'a gateway URL',
      detail: 'failed: request to http://llm-gateway.internal:8443/v1/messages failed, reason: socket hang up',
      shown: 'failed: request to [internal address] failed, reason: socket hang up',
    },
    {
      says: 'the egress proxy socket',
      detail: 'failed: connect ENOENT /run/claude-hooks/egress.sock',
      shown: 'failed: connect ENOENT [path]',
    },
    {
      says: 'a file in the data dir',
      detail: "failed: EACCES: permission denied, open '/var/lib/claude-hooks/claude/projects/wt-dev/4f1e.jsonl'",
      shown: "failed: EACCES: permission denied, open '[path]'",
    },
  ];
  for (const { says, detail, shown } of failures) {
    it(`names no internal host, port or path: ${says}`, () => {
      const body = renderStatus({ ...done, outcome: 'failed', detail }, context);

      assert.ok(body.split('\n').includes(shown), body);
    });
  }

  it('hides addresses and paths in what a working run is doing and in why a resume fell back', () => {
    const working = renderStatus(
      { phase: 'working', elapsedMs: 0, activity: 'Bash: command: curl http://10.0.0.7:9000/health' },
      context,
    );
    const fallback = renderStatus(
      { ...done, resumeFallback: 'ENOENT: no such file, open /srv/data/claude/projects/x/1.jsonl' },
      context,
    );

    assert.match(working, /^Now: Bash: command: curl \[internal address\]$/m);
    assert.match(fallback, /could not be resumed \(ENOENT: no such file, open \[path\]\)/);
  });

  it('replaces the secrets the redactor knows, even one quoted past the cut at 300 characters', () => {
    const apiKey = 'sk-ant-api03-SECRETSECRETSECRET';
    const redact = createRedactor([apiKey]).redact;
    const detail = `${'x'.repeat(270)} invalid x-api-key ${apiKey}`;

    const body = renderStatus(
      { ...done, outcome: 'failed', detail: `model gateway answered 401: invalid x-api-key ${apiKey}` },
      { ...context, redact },
    );
    const cut = renderStatus({ ...done, outcome: 'failed', detail }, { ...context, redact });

    assert.match(body, /^model gateway answered 401: invalid x-api-key \[redacted\]$/m);
    assert.doesNotMatch(cut, /sk-ant/);
  });

  it('keeps the link to the run, which the operator configured', () => {
    const body = renderStatus(
      { ...done, outcome: 'failed', detail: 'x', runUrl: 'https://hooks.example:8443/api/runs/3' },
      context,
    );

    assert.match(body, /\(https:\/\/hooks\.example:8443\/api\/runs\/3\)$/m);
  });
});

describe('describeUnpushedWork', () => {
  const table: ReadonlyArray<{ work: { uncommitted: boolean; unpushedCommits: number }; starts: string | undefined }> =
    [
      { work: { uncommitted: false, unpushedCommits: 0 }, starts: undefined },
      { work: { uncommitted: false, unpushedCommits: 1 }, starts: '1 commit was not pushed: ' },
      { work: { uncommitted: false, unpushedCommits: 3 }, starts: '3 commits were not pushed: ' },
      { work: { uncommitted: true, unpushedCommits: 0 }, starts: 'Uncommitted changes were not pushed: ' },
      { work: { uncommitted: true, unpushedCommits: 1 }, starts: '1 commit and uncommitted changes were not pushed: ' },
    ];
  for (const { work, starts } of table) {
    it(`says ${starts === undefined ? 'nothing' : `"${starts.trim()}"`} for ${work.unpushedCommits} unpushed commit(s)${work.uncommitted ? ' and uncommitted changes' : ''}`, () => {
      const sentence = describeUnpushedWork(work);

      if (starts === undefined) assert.equal(sentence, undefined);
      else
        assert.ok(
          sentence?.startsWith(starts) && sentence.endsWith('lost if the job moves to another worker.'),
          sentence,
        );
    });
  }
});

describe('status marker', () => {
  it('names the job of a status comment', () => {
    assert.equal(statusJobOf(`${statusMarker(42)}\nanything`), 42);
    assert.equal(isStatusComment(renderStatus({ phase: 'queued', position: 1 }, context)), true);
  });

  it('does not take a marker that is not at the start of the body', () => {
    assert.equal(isStatusComment(`Look: ${statusMarker(42)}`), false);
    assert.equal(isStatusComment('Plain comment'), false);
  });
});

describe('renderOrphaned', () => {
  it('says the service stopped during the run and that it will be retried', () => {
    assert.equal(
      renderOrphaned(context),
      '<!-- claude-hooks:status job=12 -->\n⏹️ **dev** was interrupted: the service stopped during this run; it will be retried.',
    );
  });

  it('says the job moved to another worker when its worker stopped answering', () => {
    assert.equal(
      renderOrphaned(context, true),
      '<!-- claude-hooks:status job=12 -->\n⏹️ **dev** was interrupted: the worker running it stopped answering; the job moved to another worker.',
    );
  });
});

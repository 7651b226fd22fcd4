import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import type { CheckEvent, ForgeKind, RepoRef } from '../../core/events.js';
import { normalise } from './normalise.js';

type Body = Record<string, any>;

const FORGE_URL = 'https://forge.example.com';
const SHA = '6dcb09b5b57875f334f61aebed695e2e4193db5e';
const ACME_APP: RepoRef = {
  host: 'forge.example.com',
  owner: 'acme',
  name: 'app',
  fullName: 'acme/app',
  cloneUrl: 'https://forge.example.com/acme/app.git',
  defaultBranch: 'main',
  private: true,
};
const DEV = { login: 'dev', id: 5 };

/** A body from test/fixtures/checks (its README says where each shape came from). */
function fixture(name: string): Body {
  return JSON.parse(readFileSync(new URL(`../../../test/fixtures/checks/${name}.json`, import.meta.url), 'utf8'));
}

function withValue(body: Body, path: string, value: unknown): Body {
  const copy = structuredClone(body);
  const keys = path.split('.');
  const last = keys.pop() as string;
  let parent: Body = copy;
  for (const key of keys) parent = parent[key];
  if (value === undefined) delete parent[last];
  else parent[last] = value;
  return copy;
}

function withValues(body: Body, values: Record<string, unknown>): Body {
  return Object.entries(values).reduce((changed, [path, value]) => withValue(changed, path, value), body);
}

function check(eventType: string, body: unknown, forge: ForgeKind = 'gitea'): CheckEvent {
  const result = normalise({ forge, eventType, body, forgeUrl: forge === 'github' ? undefined : FORGE_URL });
  assert.ok(result.ok && result.value.kind === 'event', JSON.stringify(result));
  const { event } = result.value;
  assert.equal(event.type, 'check');
  return event as CheckEvent;
}

function withoutFingerprint(event: CheckEvent): Omit<CheckEvent, 'fingerprint'> {
  const { fingerprint: _, ...rest } = event;
  return rest;
}

const status = fixture('gitea-status-error');
const run = fixture('gitea-workflow_run-completed');
const job = fixture('gitea-workflow_job-completed');
const forgejoFailure = fixture('forgejo-action_run_failure');

describe('normalise, on check results (status, workflow_run, workflow_job, action_run_*)', () => {
  it('reads a Gitea commit status, its error a failure', () => {
    const event = check('status', status);

    assert.deepEqual(withoutFingerprint(event), {
      forge: 'gitea',
      repo: ACME_APP,
      actor: { login: 'ci-bot', id: 7 },
      type: 'check',
      source: 'status',
      sha: SHA,
      context: 'ci/woodpecker/pr/build',
      state: 'failure',
      targetUrl: 'https://ci.example.com/repos/4/pipeline/88',
      description: 'Pipeline errored',
      at: '2025-06-02T14:20:05Z',
    });
  });

  it("reads a Gitea workflow run under its workflow's name, with its run and branch", () => {
    const event = check('workflow_run', run);

    assert.deepEqual(withoutFingerprint(event), {
      forge: 'gitea',
      repo: ACME_APP,
      actor: DEV,
      type: 'check',
      source: 'run',
      sha: SHA,
      context: 'test',
      state: 'failure',
      targetUrl: 'https://forge.example.com/acme/app/actions/runs/42',
      description: 'failure',
      runId: 42,
      branch: 'issue-7-fix',
      at: '2025-06-02T14:20:31Z',
    });
  });

  it('reads a Gitea workflow job under its own name, with its run and job', () => {
    const event = check('workflow_job', job);

    assert.deepEqual(withoutFingerprint(event), {
      forge: 'gitea',
      repo: ACME_APP,
      actor: DEV,
      type: 'check',
      source: 'job',
      sha: SHA,
      context: 'unit',
      state: 'failure',
      targetUrl: 'https://forge.example.com/acme/app/actions/runs/17/jobs/0',
      description: 'failure',
      runId: 42,
      jobId: 97,
      branch: 'issue-7-fix',
      at: '2025-06-02T14:20:29Z',
    });
  });

  it("reads Forgejo's finished run under its workflow file", () => {
    const event = check('action_run_failure', forgejoFailure, 'forgejo');

    assert.deepEqual(withoutFingerprint(event), {
      forge: 'forgejo',
      repo: ACME_APP,
      actor: DEV,
      type: 'check',
      source: 'run',
      sha: SHA,
      context: 'test.yml',
      state: 'failure',
      targetUrl: 'https://forge.example.com/acme/app/actions/runs/17',
      description: 'failure',
      runId: 42,
      branch: 'issue-7-fix',
      at: '2025-06-02T14:20:31Z',
    });
  });

  const forgejoCases = [
    { eventType: 'action_run_failure', fixture: 'forgejo-action_run_failure', state: 'failure' },
    { eventType: 'action_run_success', fixture: 'forgejo-action_run_success', state: 'success' },
    { eventType: 'action_run_recover', fixture: 'forgejo-action_run_recover', state: 'success' },
    // A delivery with only the coarse event header: the body's action says which.
    { eventType: 'action_run', fixture: 'forgejo-action_run_recover', state: 'success' },
  ] as const;
  for (const { eventType, fixture: name, state } of forgejoCases) {
    it(`reads Forgejo's ${eventType} (${name}) as ${state}`, () => {
      const event = check(eventType, fixture(name), 'forgejo');

      assert.equal(event.state, state);
      assert.equal(event.runId, name === 'forgejo-action_run_failure' ? 42 : 43);
    });
  }

  it('reads a Forgejo run spelt the GitHub way (head_sha, head_branch, updated_at), as published samples are', () => {
    const body = withValues(forgejoFailure, {
      'run.commit_sha': undefined,
      'run.prettyref': undefined,
      'run.stopped': undefined,
      'run.updated': undefined,
      'run.head_sha': SHA,
      'run.head_branch': 'feature/database-refactor',
      'run.updated_at': '2025-04-14T11:25:00Z',
    });

    const event = check('action_run_failure', body, 'forgejo');

    assert.equal(event.sha, SHA);
    assert.equal(event.branch, 'feature/database-refactor');
    assert.equal(event.at, '2025-04-14T11:25:00Z');
  });
});

describe('normalise, on what a check result means', () => {
  const statusStates = [
    { state: 'pending', expected: 'pending' },
    { state: 'success', expected: 'success' },
    { state: 'error', expected: 'failure' },
    { state: 'failure', expected: 'failure' },
    // Gitea's combined state counts these as passing (modules/commitstatus).
    { state: 'warning', expected: 'success' },
    { state: 'skipped', expected: 'success' },
  ];
  for (const { state, expected } of statusStates) {
    it(`reads a status in state '${state}' as ${expected}`, () => {
      assert.equal(check('status', withValue(status, 'state', state)).state, expected);
    });
  }

  const runResults = [
    { status: 'completed', conclusion: 'success', expected: 'success' },
    { status: 'completed', conclusion: 'skipped', expected: 'success' },
    { status: 'completed', conclusion: 'neutral', expected: 'success' },
    { status: 'completed', conclusion: 'failure', expected: 'failure' },
    { status: 'completed', conclusion: 'cancelled', expected: 'failure' },
    { status: 'completed', conclusion: 'timed_out', expected: 'failure' },
    { status: 'completed', conclusion: 'action_required', expected: 'failure' },
    { status: 'completed', conclusion: 'startup_failure', expected: 'failure' },
    { status: 'completed', conclusion: 'stale', expected: 'pending' },
    { status: 'completed', conclusion: null, expected: 'pending' },
    { status: 'in_progress', conclusion: null, expected: 'pending' },
    { status: 'queued', conclusion: '', expected: 'pending' },
  ];
  for (const { status: runStatus, conclusion, expected } of runResults) {
    it(`reads a run and a job ${runStatus} with conclusion ${JSON.stringify(conclusion)} as ${expected}`, () => {
      const runBody = withValues(run, { 'workflow_run.status': runStatus, 'workflow_run.conclusion': conclusion });
      const jobBody = withValues(job, { 'workflow_job.status': runStatus, 'workflow_job.conclusion': conclusion });

      assert.equal(check('workflow_run', runBody).state, expected);
      assert.equal(check('workflow_job', jobBody).state, expected);
    });
  }

  it('reads a requested run as pending: the consumer passes over it', () => {
    const body = withValues(run, {
      action: 'requested',
      'workflow_run.status': 'queued',
      'workflow_run.conclusion': '',
      'workflow_run.started_at': '0001-01-01T00:00:00Z',
      'workflow_run.completed_at': '0001-01-01T00:00:00Z',
    });

    const event = check('workflow_run', body);

    assert.equal(event.state, 'pending');
    assert.equal(event.description, 'queued');
    assert.equal(event.at, '', "Go's zero time is no time");
  });

  it('takes a running job\'s start as its time, Gitea\'s unset "completed_at" (epoch or zero) not being one', () => {
    for (const unset of ['1970-01-01T00:00:00Z', '0001-01-01T00:00:00Z']) {
      const body = withValues(job, {
        action: 'in_progress',
        'workflow_job.status': 'in_progress',
        'workflow_job.conclusion': undefined,
        'workflow_job.completed_at': unset,
      });

      assert.equal(check('workflow_job', body).at, '2025-06-02T14:18:55Z', unset);
    }
  });

  it("falls back from the workflow's name to its path, then to the run's title", () => {
    const noName = withValue(run, 'workflow.name', '');
    const noWorkflow = withValues(run, { workflow: undefined, 'workflow_run.path': undefined });

    assert.equal(check('workflow_run', noName).context, 'test.yml@refs/heads/issue-7-fix');
    assert.equal(check('workflow_run', noWorkflow).context, 'Fix the crash on start');
  });

  it('names no branch for a run on a tag, nor for a pull request ref', () => {
    const onTag = withValue(run, 'workflow_run.head_branch', '');
    const onPullRef = withValue(forgejoFailure, 'run.prettyref', 'refs/pull/3/head');

    assert.equal('branch' in check('workflow_run', onTag), false);
    assert.equal('branch' in check('action_run_failure', onPullRef, 'forgejo'), false);
  });

  it('keeps a target URL only when it is http(s) without credentials, or a page on the forge', () => {
    const urls = [
      {
        url: '/acme/app/actions/runs/17/jobs/0',
        expected: 'https://forge.example.com/acme/app/actions/runs/17/jobs/0',
      },
      { url: '//evil.example.com/acme/app', expected: '' },
      { url: '/\\evil.example.com/acme/app', expected: '' },
      { url: 'https://ci.example.com/builds/1', expected: 'https://ci.example.com/builds/1' },
      { url: 'http://ci.example.com/b?x=1', expected: 'http://ci.example.com/b?x=1' },
      { url: 'javascript:alert(1)', expected: '' },
      { url: 'https://user:secret@ci.example.com/', expected: '' },
      { url: 'not a url', expected: '' },
      { url: '', expected: '' },
      { url: null, expected: '' },
    ];

    for (const { url, expected } of urls) {
      assert.equal(check('status', withValue(status, 'target_url', url)).targetUrl, expected, String(url));
    }
  });

  it('writes a commit id in lower case, and reads a SHA-256 one', () => {
    const upper = check('status', withValue(status, 'sha', SHA.toUpperCase()));
    const sha256 = check('status', withValue(status, 'sha', 'ab'.repeat(32)));

    assert.equal(upper.sha, SHA);
    assert.equal(sha256.sha, 'ab'.repeat(32));
  });
});

describe('normalise, on check results that do not fit', () => {
  const BIDI = 'unit\u202e';
  const cases: { name: string; forge?: ForgeKind; eventType: string; body: Body; field: string; message: RegExp }[] = [
    {
      name: 'a status on a branch name instead of a commit',
      eventType: 'status',
      body: withValue(status, 'sha', 'main'),
      field: 'sha',
      message: /^expected a commit id \(40 or 64 hex digits\), got a string \("main"\)$/,
    },
    {
      name: 'a status on a short commit id',
      eventType: 'status',
      body: withValue(status, 'sha', SHA.slice(0, 12)),
      field: 'sha',
      message: /^expected a commit id/,
    },
    {
      name: 'a run whose head is not a commit id',
      eventType: 'workflow_run',
      body: withValue(run, 'workflow_run.head_sha', `${SHA}\n`),
      field: 'workflow_run.head_sha',
      message: /^expected a commit id/,
    },
    {
      name: 'a job without a head',
      eventType: 'workflow_job',
      body: withValue(job, 'workflow_job.head_sha', undefined),
      field: 'workflow_job.head_sha',
      message: /^expected a string, got undefined$/,
    },
    {
      name: 'a Forgejo run naming no commit',
      forge: 'forgejo',
      eventType: 'action_run_failure',
      body: withValue(forgejoFailure, 'run.commit_sha', undefined),
      field: 'run.commit_sha',
      message: /^expected a commit id \(40 or 64 hex digits\), got undefined$/,
    },
    {
      name: 'a status context with a bidi control',
      eventType: 'status',
      body: withValue(status, 'context', BIDI),
      field: 'context',
      message: /^must not contain control or bidi characters, got a string \("unit\\u202e"\)$/,
    },
    {
      name: 'a workflow name with a line break',
      eventType: 'workflow_run',
      body: withValue(run, 'workflow.name', 'test\nINFO forged line'),
      field: 'workflow.name',
      message: /^must not contain control or bidi characters/,
    },
    {
      name: 'a job name longer than 255 characters',
      eventType: 'workflow_job',
      body: withValue(job, 'workflow_job.name', 'x'.repeat(256)),
      field: 'workflow_job.name',
      message: /^is longer than 255 characters/,
    },
    {
      name: 'a Forgejo workflow file with a bidi control',
      forge: 'forgejo',
      eventType: 'action_run_failure',
      body: withValue(forgejoFailure, 'run.workflow_id', BIDI),
      field: 'run.workflow_id',
      message: /^must not contain control or bidi characters/,
    },
    {
      name: 'a job numbered zero',
      eventType: 'workflow_job',
      body: withValue(job, 'workflow_job.id', 0),
      field: 'workflow_job.id',
      message: /^expected a positive whole number/,
    },
    {
      name: 'a job of a negative run',
      eventType: 'workflow_job',
      body: withValue(job, 'workflow_job.run_id', -42),
      field: 'workflow_job.run_id',
      message: /^expected a positive whole number/,
    },
    {
      name: 'a run numbered by a fraction',
      eventType: 'workflow_run',
      body: withValue(run, 'workflow_run.id', 4.2),
      field: 'workflow_run.id',
      message: /^expected a positive whole number/,
    },
    {
      name: 'a status in a state no forge sends',
      eventType: 'status',
      body: withValue(status, 'state', 'green'),
      field: 'state',
      message: /^expected one of "pending", "success", "error", "failure", "warning", "skipped"/,
    },
    {
      name: 'a run on a branch git would refuse',
      eventType: 'workflow_run',
      body: withValue(run, 'workflow_run.head_branch', 'a..b'),
      field: 'workflow_run.head_branch',
      message: /^not a branch name git accepts/,
    },
    {
      name: 'a status from a repository off the forge',
      eventType: 'status',
      body: withValue(status, 'repository.clone_url', 'https://elsewhere.example.com/acme/app.git'),
      field: 'repository.clone_url',
      message: /not on the forge/,
    },
  ];
  for (const { name, forge = 'gitea', eventType, body, field, message } of cases) {
    it(`names the field at fault in ${name}`, () => {
      const result = normalise({ forge, eventType, body, forgeUrl: FORGE_URL });

      assert.ok(!result.ok, JSON.stringify(result));
      assert.equal(result.error.field, field);
      assert.match(result.error.message, message);
    });
  }

  it('judges only the name it picks: a long commit subject does not refuse a run whose workflow has a name', () => {
    const body = withValue(run, 'workflow_run.display_title', `Fix ${'x'.repeat(400)}`);

    assert.equal(check('workflow_run', body).context, 'test');
  });

  const unhandled = [
    { eventType: 'workflow_run', body: withValue(run, 'action', 'deleted') },
    { eventType: 'workflow_job', body: withValue(job, 'action', 'archived') },
    { eventType: 'action_run_failure', body: withValue(forgejoFailure, 'action', 'started') },
  ];
  for (const { eventType, body } of unhandled) {
    it(`ignores ${eventType} with action '${body.action}', naming it, before judging the body`, () => {
      const result = normalise({ forge: 'gitea', eventType, body: { ...body, workflow_run: null, run: null } });

      assert.deepEqual(result, {
        ok: true,
        value: { kind: 'ignored', reason: `action '${body.action}' of event type '${eventType}' is not handled` },
      });
    });
  }
});

describe('the fingerprint of a check result', () => {
  const fingerprintOf = (eventType: string, body: Body, forge: ForgeKind = 'gitea'): string =>
    check(eventType, body, forge).fingerprint;

  it('is the same for the same status delivered twice, however its time is written', () => {
    const again = withValues(status, { updated_at: '2025-06-02T14:20:05.000+00:00', id: 311 });

    assert.equal(fingerprintOf('status', status), fingerprintOf('status', structuredClone(status)));
    assert.equal(fingerprintOf('status', status), fingerprintOf('status', again));
  });

  it('names the repository, commit, source, check, state, run, job and time', () => {
    assert.equal(
      fingerprintOf('workflow_job', job),
      `forge.example.com/acme/app:check:${SHA}:job:unit:failure:42:97:2025-06-02T14:20:29.000Z`,
    );
  });

  it("differs for a status's next result on the same commit", () => {
    const later = withValues(status, { state: 'success', updated_at: '2025-06-02T14:31:00Z' });
    const sameTimeOtherState = withValue(status, 'state', 'success');

    assert.notEqual(fingerprintOf('status', later), fingerprintOf('status', status));
    assert.notEqual(fingerprintOf('status', sameTimeOtherState), fingerprintOf('status', status));
  });

  it("differs for a rerun's result: the same job and run again, at a new time", () => {
    const rerunJob = withValues(job, {
      'workflow_job.run_attempt': 2,
      'workflow_job.started_at': '2025-06-02T15:00:02Z',
      'workflow_job.completed_at': '2025-06-02T15:01:40Z',
    });
    const rerunRun = withValues(run, {
      'workflow_run.run_attempt': 2,
      'workflow_run.started_at': '2025-06-02T15:00:00Z',
      'workflow_run.completed_at': '2025-06-02T15:01:45Z',
    });

    assert.notEqual(fingerprintOf('workflow_job', rerunJob), fingerprintOf('workflow_job', job));
    assert.notEqual(fingerprintOf('workflow_run', rerunRun), fingerprintOf('workflow_run', run));
  });

  it('is the same for the success and the recover Forgejo sends for one run after a failure', () => {
    assert.equal(
      fingerprintOf('action_run_recover', fixture('forgejo-action_run_recover'), 'forgejo'),
      fingerprintOf('action_run_success', fixture('forgejo-action_run_success'), 'forgejo'),
    );
  });

  it("differs for a Forgejo rerun's result, a run of its own", () => {
    assert.notEqual(
      fingerprintOf('action_run_success', fixture('forgejo-action_run_success'), 'forgejo'),
      fingerprintOf('action_run_failure', forgejoFailure, 'forgejo'),
    );
  });
});

describe('normalise, on GitHub check results (@octokit/webhooks-examples)', () => {
  const require = createRequire(import.meta.url);
  const github = require('@octokit/webhooks-examples') as { name: string; examples: Body[] }[];
  const example = (name: string, pick: (body: Body) => boolean): Body => {
    const found = github.find((d) => d.name === name)?.examples.find(pick);
    assert.ok(found !== undefined, name);
    return found;
  };

  it('reads a status: no URL or description when null, no branch from its list of branches', () => {
    const body = example('status', () => true);

    const event = check('status', body, 'github');

    assert.deepEqual(
      { ...withoutFingerprint(event), repo: event.repo.fullName },
      {
        forge: 'github',
        repo: body.repository.full_name,
        actor: { login: body.sender.login, id: body.sender.id },
        type: 'check',
        source: 'status',
        sha: body.sha,
        context: 'default',
        state: 'success',
        targetUrl: '',
        description: '',
        at: body.updated_at,
      },
    );
  });

  it("reads a completed workflow run under its workflow's name, timed by its last update", () => {
    const body = example(
      'workflow_run',
      (b) => b.action === 'completed' && b.workflow_run.conclusion === 'success' && b.workflow?.name === 'test',
    );

    const event = check('workflow_run', body, 'github');

    assert.equal(event.context, 'test');
    assert.equal(event.state, 'success');
    assert.equal(event.runId, body.workflow_run.id);
    assert.equal(event.branch, body.workflow_run.head_branch);
    assert.equal(event.targetUrl, body.workflow_run.html_url);
    assert.equal(event.at, body.workflow_run.updated_at);
  });

  it('reads a failed job with its run and job ids', () => {
    const found = example('workflow_job', (b) => b.action === 'completed' && b.workflow_job.conclusion === 'failure');
    // The example files Codertocat/Hello-World under the owner Octocoders; put it back under its own.
    const body = withValue(found, 'repository.owner.login', 'Codertocat');

    const event = check('workflow_job', body, 'github');

    assert.equal(event.source, 'job');
    assert.equal(event.context, body.workflow_job.name);
    assert.equal(event.state, 'failure');
    assert.equal(event.runId, body.workflow_job.run_id);
    assert.equal(event.jobId, body.workflow_job.id);
    assert.equal(event.at, body.workflow_job.completed_at);
  });
});

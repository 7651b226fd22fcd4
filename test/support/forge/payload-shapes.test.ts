import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { startForgeDouble, type ForgeDouble, type WebhookDelivery } from './forge-double.js';
import { createOpenApiChecker, type OpenApiChecker } from './openapi-check.js';

const SAMPLES = new URL('../../fixtures/gitea/payloads/', import.meta.url);
const REPO = 'acme/app';

/** Every field of `sample` is in `ours` with the same JSON type (nulls on either side match anything). */
function shapeProblems(sample: unknown, ours: unknown, path = ''): string[] {
  if (sample === null || ours === null) return [];
  if (Array.isArray(sample)) {
    if (!Array.isArray(ours)) return [`${path}: not an array`];
    return sample.length === 0 || ours.length === 0 ? [] : shapeProblems(sample[0], ours[0], `${path}[0]`);
  }
  if (typeof sample === 'object') {
    if (typeof ours !== 'object' || Array.isArray(ours)) return [`${path}: not an object`];
    const mine = ours as Record<string, unknown>;
    return Object.entries(sample).flatMap(([key, value]) =>
      key in mine ? shapeProblems(value, mine[key], `${path}.${key}`) : [`${path}.${key}: missing`],
    );
  }
  return typeof sample === typeof ours ? [] : [`${path}: ${typeof ours}, the sample has ${typeof sample}`];
}

/** Which swagger definition each payload part is. */
const PARTS: Record<string, string> = {
  issue: 'Issue',
  pull_request: 'PullRequest',
  comment: 'Comment',
  repository: 'Repository',
  sender: 'User',
};

describe('forge double payloads compared with captured deliveries', () => {
  let forge: ForgeDouble;
  let checker: OpenApiChecker;
  before(async () => {
    checker = await createOpenApiChecker();
    forge = await startForgeDouble({ webhookSecret: 'secret' });
    forge.addUser('alice');
    forge.addUser('dev');
    await forge.createRepo('acme', 'app', { collaborators: { alice: 'admin', dev: 'write' }, labels: ['bug'] });
    const alice = forge.as('alice');
    const dev = forge.as('dev');
    const issue = await alice.openIssue(REPO, { title: 'Crash', body: 'on start' });
    await alice.addLabels(REPO, issue.number, ['bug']);
    await alice.comment(REPO, issue.number, '@dev please look');
    await dev.pushCommit(REPO, { branch: 'issue-1-crash', files: { 'fix.txt': 'fixed\n' } });
    const pull = await dev.openPull(REPO, { head: 'issue-1-crash', title: 'Fix the crash', body: 'Closes #1' });
    await alice.comment(REPO, pull.number, 'thanks');
    await dev.requestReview(REPO, pull.number, 'alice');
    await dev.pushCommit(REPO, { branch: 'issue-1-crash', files: { 'fix.txt': 'fixed properly\n' } });
    await alice.submitReview(REPO, pull.number, { event: 'APPROVED', body: 'good' });
    await alice.mergePull(REPO, pull.number, { deleteBranch: true });
    await forge.idle();
  });
  after(() => forge.close());

  const cases: Array<{ sample: string; pick: (d: WebhookDelivery) => boolean }> = [
    { sample: 'gitea-issues-opened.json', pick: (d) => d.eventType === 'issues' && d.payload.action === 'opened' },
    { sample: 'gitea-issue_comment-created.json', pick: (d) => d.eventType === 'issue_comment' },
    { sample: 'gitea-issue_comment-created-on-pr.json', pick: (d) => d.eventType === 'pull_request_comment' },
    { sample: 'gitea-pull_request-review_requested.json', pick: (d) => d.eventType === 'pull_request_review_request' },
    { sample: 'gitea-pull_request-synchronized.json', pick: (d) => d.eventType === 'pull_request_sync' },
    {
      sample: 'gitea-pull_request_approved-reviewed.json',
      pick: (d) => d.eventType === 'pull_request_review_approved',
    },
    {
      sample: 'gitea-pull_request-closed-merged.json',
      pick: (d) => d.eventType === 'pull_request' && d.payload.action === 'closed',
    },
    { sample: 'gitea-delete-branch.json', pick: (d) => d.eventType === 'delete' },
  ];
  for (const { sample, pick } of cases) {
    it(`sends every field of ${sample}, with the same types, each part valid for the swagger`, () => {
      const captured: unknown = JSON.parse(readFileSync(new URL(sample, SAMPLES), 'utf8'));
      const ours = forge.deliveries().find(pick);

      assert.ok(ours, 'the scenario produced no such delivery');
      assert.deepEqual(shapeProblems(captured, ours.payload), []);
      for (const [field, definition] of Object.entries(PARTS)) {
        if (ours.payload[field] === undefined) continue;
        assert.deepEqual(checker.checkSchema(definition, ours.payload[field]), [], `${field} as a ${definition}`);
      }
    });
  }

  it('marks a merge as closed with merged set, and a comment on a PR with is_pull and the PR', () => {
    const merged = forge
      .deliveries()
      .find((d) => d.eventType === 'pull_request' && d.payload.action === 'closed')?.payload;
    const onPull = forge.deliveries().find((d) => d.eventType === 'pull_request_comment')?.payload;

    assert.equal((merged?.pull_request as { merged: boolean }).merged, true);
    assert.equal(onPull?.is_pull, true);
    assert.equal((onPull?.pull_request as { number: number }).number, 2);
  });
});

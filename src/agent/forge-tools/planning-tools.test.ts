/**
 * The planner's `create_issue` and `set_dependencies` against the forge double over real HTTP
 * (every request and response checked against Gitea's swagger): the stories they write carry a
 * footer the milestone parser reads back and the same edges as the forge's own dependencies, and
 * a hostile model gets a refusal it can read — and no change — for every write the service does
 * not allow.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { z } from 'zod';
import { agent } from '../../../test/support/agents.js';
import { capturingLogger } from '../../../test/support/capturing-logger.js';
import { startForgeDouble, type ForgeDouble } from '../../../test/support/forge/forge-double.js';
import type { RepoRef } from '../../core/events.js';
import type { ForgeChange } from '../../core/forge-change.js';
import type { ForgeClient } from '../../forge/client.js';
import { createGiteaClient } from '../../forge/rest/gitea-client.js';
import { silentLogger } from '../../lib/logger.js';
import { createRedactor } from '../../lib/redactor.js';
import { Secret } from '../../lib/secret.js';
import { parseFooter } from '../../milestones/dependencies.js';
import { forgeToolDefinitions } from './create-forge-tools.js';
import type { ToolResult } from './tool-result.js';
import type { ForgeToolsOptions } from './types.js';

const REPO = 'acme/app';
const PLAIN = 'acme/plain';
const SECRET = 'sk-ant-0123456789abcdef';

describe('planning tools', () => {
  let forge: ForgeDouble;
  const repos = new Map<string, RepoRef>();
  let boss: ForgeClient;
  let changes: ForgeChange[];

  before(async () => {
    forge = await startForgeDouble({ webhookSecret: 'secret', checkOpenApi: true });
    forge.addUser('alice');
    const user = forge.addUser('boss');
    const collaborators = { alice: 'write', boss: 'write' } as const;
    await forge.createRepo('acme', 'app', { collaborators, labels: ['agent/dev'] });
    await forge.createRepo('acme', 'plain', { collaborators, dependencies: false });
    boss = createGiteaClient({ baseUrl: forge.url, token: new Secret(user.token), log: silentLogger() });
    for (const name of [REPO, PLAIN]) repos.set(name, await boss.getRepository(name));
  });
  beforeEach(() => {
    changes = [];
  });
  after(async () => {
    assert.deepEqual(forge.openApiViolations(), [], 'every request and response fits the Gitea swagger');
    assert.deepEqual(forge.faults(), []);
    await forge.close();
  });

  /** One run's tools: boss on `issue` (the issue it plans), sharing the run's account across calls. */
  function run(issue: number, options: Omit<Partial<ForgeToolsOptions>, 'repo'> & { repo?: string } = {}) {
    const { repo = REPO, ...rest } = options;
    const definitions = forgeToolDefinitions({
      client: boss,
      agent: agent('boss'),
      branch: undefined,
      reviewers: [],
      onChange: (change) => changes.push(change),
      ...rest,
      repo: repos.get(repo)!,
      issue,
    });
    return async (name: string, args: Record<string, unknown>): Promise<{ result: ToolResult; text: string }> => {
      const definition = definitions.find((candidate) => candidate.name === name);
      assert.ok(definition, `boss has no tool ${name}`);
      const result = await definition.handler(z.object(definition.inputSchema).parse(args), {});
      await forge.idle();
      const first = result.content[0];
      return { result, text: first?.type === 'text' ? first.text : '' };
    };
  }

  const open = async (title: string, body = '', repo = REPO) =>
    (await forge.as('alice').openIssue(repo, { title, body })).number;
  const dependencies = async (number: number, repo = REPO) =>
    ((await boss.listDependencies(repo, number)) as Array<{ number: number }>).map((d) => d.number).sort();
  const hooksSince = (count: number) =>
    forge
      .deliveries()
      .slice(count)
      .map((delivery) => `${delivery.eventType}:${(delivery.payload as { action?: string }).action}`);
  const issueCount = () => forge.issues(REPO).length;

  describe('create_issue', () => {
    it('opens a story whose footer names its upstream stories and tracking issue, and sets the same forge dependencies', async () => {
      const tracking = await open('Milestone: search');
      const [a, b] = [await open('Index the documents'), await open('Rank the results')];
      const hooks = forge.deliveries().length;

      const { result, text } = await run(tracking)('create_issue', {
        title: 'Search page',
        body: 'A page that asks and shows.',
        depends_on: [a, b],
        tracking,
      });

      const story = forge.issues(REPO).at(-1)!;
      assert.equal(result.isError, undefined, text);
      assert.equal(
        story.body,
        `A page that asks and shows.\n\n## Dependencies\nTracking: #${tracking}\n- #${a} Index the documents\n- #${b} Rank the results\n`,
      );
      assert.deepEqual(parseFooter(story.body), { upstream: [a, b], tracking, truncated: false });
      assert.deepEqual(await dependencies(story.number), [a, b]);
      assert.match(text, new RegExp(`^Opened issue #${story.number}: .*/issues/${story.number}\\.`));
      assert.match(text, new RegExp(`footer names the upstream stories #${a}, #${b}, tracked by #${tracking}`));
      assert.match(text, new RegExp(`The forge's dependencies of #${story.number} are #${a}, #${b}\\.`));
      assert.deepEqual(
        changes.map((change) => change.kind),
        ['issue'],
      );
      assert.deepEqual(hooksSince(hooks), ['issues:opened'], 'the forge announces the issue, not its dependencies');
    });

    it('links a story with no upstream to its tracking issue with a footer that says none', async () => {
      const tracking = await open('Milestone: export');

      await run(tracking)('create_issue', { title: 'CSV export', body: 'Export to CSV.', tracking });

      const story = forge.issues(REPO).at(-1)!;
      assert.equal(story.body, `Export to CSV.\n\n## Dependencies\nTracking: #${tracking}\n- none\n`);
      assert.deepEqual(await dependencies(story.number), []);
    });

    it('passes the title and body through the redactor: a secret never reaches the forge', async () => {
      const redactor = createRedactor([SECRET]);

      await run(1, { redact: redactor.redact })('create_issue', {
        title: `Rotate ${SECRET}`,
        body: `The key ${SECRET} leaked.`,
      });

      const story = forge.issues(REPO).at(-1)!;
      assert.equal(story.title, 'Rotate [redacted]');
      assert.equal(story.body, 'The key [redacted] leaked.');
    });

    const refused: ReadonlyArray<{ what: string; args: Record<string, unknown>; says: RegExp }> = [
      {
        what: "the service's status marker in the body",
        args: { title: 'Story', body: '<!-- claude-hooks:status job=3 -->\n✅ done' },
        says: /may not carry the service's own marker/,
      },
      {
        what: "the tracking block's marker anywhere in the body",
        args: { title: 'Story', body: 'Text\n<!-- /claude-hooks:milestone -->\nmore' },
        says: /may not carry the service's own marker/,
      },
      {
        what: 'a body of 20,001 characters',
        args: { title: 'Story', body: 'x'.repeat(20_001) },
        says: /the body is 20001 characters long; at most 20000/,
      },
      { what: 'a title of two lines', args: { title: 'One\nTwo', body: '' }, says: /the title must be one line/ },
      { what: 'a title of 256 characters', args: { title: 't'.repeat(256), body: '' }, says: /at most 255/ },
      {
        what: 'a Dependencies section of its own (it would skip the checks and the forge)',
        args: { title: 'Story', body: 'Text\n\n### Dependencies:\n- #1' },
        says: /has a Dependencies section of its own; name the upstream stories in depends_on/,
      },
      {
        what: 'an upstream story that does not exist',
        args: { title: 'Story', body: '', depends_on: [999] },
        says: /upstream story #999 does not exist in acme\/app/,
      },
      {
        what: 'a tracking issue that does not exist',
        args: { title: 'Story', body: '', tracking: 998 },
        says: /tracking issue #998 does not exist/,
      },
      {
        what: 'more than 30 upstream stories',
        args: { title: 'Story', body: '', depends_on: Array.from({ length: 31 }, (_, i) => i + 1) },
        says: /at most 30 upstream stories, not 31/,
      },
    ];
    for (const { what, args, says } of refused) {
      it(`refuses ${what}, opening nothing`, async () => {
        const before = issueCount();

        const { result, text } = await run(1)('create_issue', args);

        assert.equal(result.isError, true);
        assert.match(text, /^Creating the issue refused: /);
        assert.match(text, says);
        assert.equal(issueCount(), before);
        assert.deepEqual(changes, []);
      });
    }

    it('refuses a pull request as an upstream story', async () => {
      await forge.as('alice').pushCommit(REPO, { branch: 'issue-1-pr', files: { 'a.txt': 'a\n' } });
      const pull = await forge.as('alice').openPull(REPO, { head: 'issue-1-pr', title: 'A PR' });

      const { text } = await run(1)('create_issue', { title: 'Story', body: '', depends_on: [pull.number] });

      assert.match(text, new RegExp(`upstream story #${pull.number} is a pull request`));
    });

    it('opens at most limits.maxIssuesPerRun issues in one run, then says which it opened', async () => {
      const call = run(1, { agent: agent('boss', { limits: { ...agent('boss').limits, maxIssuesPerRun: 2 } }) });
      const first = await call('create_issue', { title: 'One', body: '' });
      const second = await call('create_issue', { title: 'Two', body: '' });
      const before = issueCount();

      const third = await call('create_issue', { title: 'Three', body: '' });

      const [one, two] = forge.issues(REPO).slice(-2);
      assert.equal(first.result.isError, undefined);
      assert.equal(second.result.isError, undefined);
      assert.equal(third.result.isError, true);
      assert.match(
        third.text,
        new RegExp(`has opened 2 issues \\(#${one?.number}, #${two?.number}\\), the most one run may`),
      );
      assert.equal(issueCount(), before);
    });

    it('keeps the count while issues are being opened: parallel calls cannot pass the cap together', async () => {
      const call = run(1, { agent: agent('boss', { limits: { ...agent('boss').limits, maxIssuesPerRun: 1 } }) });
      const before = issueCount();

      const results = await Promise.all([
        call('create_issue', { title: 'Race A', body: '' }),
        call('create_issue', { title: 'Race B', body: '' }),
      ]);

      assert.deepEqual(
        results.map(({ result }) => result.isError ?? false),
        [false, true],
      );
      assert.equal(issueCount(), before + 1);
    });
  });

  describe('set_dependencies', () => {
    it("rewrites a story's footer and the forge's dependencies to the list given, keeping the rest of the body", async () => {
      const tracking = await open('Milestone: sync');
      const [a, b, c] = [await open('A'), await open('B'), await open('C')];
      const call = run(tracking);
      await call('create_issue', { title: 'D', body: 'Intro.\n\n## Notes\nKeep me.', depends_on: [a, b], tracking });
      const story = forge.issues(REPO).at(-1)!.number;
      changes = [];
      const hooks = forge.deliveries().length;

      const { result, text } = await call('set_dependencies', { story, depends_on: [b, c] });

      const body = forge.issue(REPO, story)!.body;
      assert.equal(result.isError, undefined, text);
      assert.equal(
        body,
        `Intro.\n\n## Notes\nKeep me.\n\n## Dependencies\nTracking: #${tracking}\n- #${b} B\n- #${c} C\n`,
      );
      assert.deepEqual(await dependencies(story), [b, c]);
      assert.deepEqual(hooksSince(hooks), ['issues:edited']);
      assert.deepEqual(changes, [
        {
          kind: 'issue',
          number: story,
          url: `${forge.url}/${REPO}/issues/${story}`,
          summary: `set the dependencies of #${story} to #${b}, #${c}`,
        },
      ]);
    });

    it('edits nothing when the footer and the forge already say so, and reports no change', async () => {
      const tracking = await open('Milestone: idle');
      const a = await open('Upstream');
      const call = run(tracking);
      await call('create_issue', { title: 'Down', body: 'Text.', depends_on: [a], tracking });
      const story = forge.issues(REPO).at(-1)!.number;
      changes = [];
      const hooks = forge.deliveries().length;

      const { result, text } = await call('set_dependencies', { story, depends_on: [a] });

      assert.equal(result.isError, undefined);
      assert.match(text, new RegExp(`^The footer of #${story} already said so\\.`));
      assert.deepEqual(hooksSince(hooks), []);
      assert.deepEqual(changes, []);
    });

    it("sets the dependencies of a story an earlier run opened, found by its footer naming the run's issue", async () => {
      const tracking = await open('Milestone: earlier');
      const a = await open('Base');
      const story = await open('Earlier story', `Made before.\n\n## Dependencies\nTracking: #${tracking}\n- none\n`);

      const { result, text } = await run(tracking)('set_dependencies', { story, depends_on: [a] });

      assert.equal(result.isError, undefined, text);
      assert.deepEqual(parseFooter(forge.issue(REPO, story)!.body), { upstream: [a], tracking, truncated: false });
      assert.deepEqual(await dependencies(story), [a]);
    });

    it("retries the forge's dependencies that failed: an error the agent reads, then the same call sets them", async () => {
      const tracking = await open('Milestone: flaky');
      const a = await open('Flaky upstream');
      const story = await open('Flaky story', `## Dependencies\nTracking: #${tracking}\n- none\n`);
      const call = run(tracking);
      forge.refuseNext('POST', /\/issues\/\d+\/dependencies$/, 503);

      const failed = await call('set_dependencies', { story, depends_on: [a] });
      const retried = await call('set_dependencies', { story, depends_on: [a] });

      assert.equal(failed.result.isError, true);
      assert.match(failed.text, /HTTP 503.*The footer is written; call set_dependencies for #\d+ again/);
      assert.equal(retried.result.isError, undefined, retried.text);
      assert.deepEqual(await dependencies(story), [a]);
    });

    const refused: ReadonlyArray<{
      what: string;
      arrange: () => Promise<{ issue: number; args: object }>;
      says: RegExp;
    }> = [
      {
        what: "a person's issue that is no story of the run",
        arrange: async () => ({
          issue: await open('Run issue'),
          args: { story: await open('Not ours'), depends_on: [] },
        }),
        says: /is not a story of this run/,
      },
      {
        what: 'a story that does not exist',
        arrange: async () => ({ issue: await open('Run issue'), args: { story: 997, depends_on: [] } }),
        says: /story #997 does not exist/,
      },
      {
        what: 'a story that depends on itself',
        arrange: async () => {
          const issue = await open('Self');
          return { issue, args: { story: issue, depends_on: [issue] } };
        },
        says: /cannot depend on itself/,
      },
      {
        what: 'two stories that would wait for each other',
        arrange: async () => {
          const issue = await open('Tracking');
          const a = await open('A', `## Dependencies\nTracking: #${issue}\n- none\n`);
          const b = await open('B', `## Dependencies\nTracking: #${issue}\n- #${a}\n`);
          return { issue, args: { story: a, depends_on: [b] } };
        },
        says: /#\d+ already depends on #\d+: the two would wait for each other/,
      },
    ];
    for (const { what, arrange, says } of refused) {
      it(`refuses ${what}, changing nothing`, async () => {
        const { issue, args } = await arrange();
        const hooks = forge.deliveries().length;

        const { result, text } = await run(issue)('set_dependencies', args as Record<string, unknown>);

        assert.equal(result.isError, true);
        assert.match(text, /^Setting the dependencies of #\d+ refused: /);
        assert.match(text, says);
        assert.deepEqual(hooksSince(hooks), []);
      });
    }
  });

  describe('on a forge that keeps no issue dependencies', () => {
    it('writes the footer alone, says so to the agent and once in the log, and fails nothing', async () => {
      const { log, lines } = capturingLogger();
      const tracking = await open('Milestone', '', PLAIN);
      const a = await open('Upstream', '', PLAIN);
      const call = run(tracking, { repo: PLAIN, log });

      const created = await call('create_issue', { title: 'Story', body: '', depends_on: [a], tracking });
      const story = forge.issues(PLAIN).at(-1)!.number;
      const set = await call('set_dependencies', { story, depends_on: [] });

      assert.equal(created.result.isError, undefined);
      assert.match(
        created.text,
        /The forge keeps no issue dependencies in this repository: the footer alone carries them\./,
      );
      assert.equal(set.result.isError, undefined, set.text);
      assert.deepEqual(parseFooter(forge.issue(PLAIN, story)!.body).upstream, []);
      assert.deepEqual(
        lines.filter((line) => line.level === 'warn').map((line) => [line.msg, line.repo]),
        [
          [
            "the forge keeps no issue dependencies in this repository (404): stories' ## Dependencies footers alone carry the edges",
            PLAIN,
          ],
        ],
      );
      assert.equal(
        forge.requests().filter((r) => r.path.startsWith(`/api/v1/repos/${PLAIN}/`) && r.path.endsWith('/dependencies'))
          .length,
        1,
        'asked once, then not again',
      );
    });
  });

  it("names no repository in any tool: every number is one of the run's repository", () => {
    const shapes = Object.fromEntries(
      forgeToolDefinitions({
        client: boss,
        repo: repos.get(REPO)!,
        issue: 1,
        agent: agent('boss'),
        branch: undefined,
        reviewers: [],
        onChange: () => {},
      }).map((definition) => [definition.name, Object.keys(definition.inputSchema).sort()]),
    );

    assert.deepEqual(shapes.create_issue, ['body', 'depends_on', 'labels', 'title', 'tracking']);
    assert.deepEqual(shapes.set_dependencies, ['depends_on', 'story', 'tracking']);
  });
});

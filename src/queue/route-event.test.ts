import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { teamOfThree } from '../../test/support/agents.js';
import {
  commented,
  issueAssigned,
  issueLabelled,
  issueOpened,
  pullAssigned,
  pullRef,
  REPO,
  reviewed,
  reviewRequested,
} from '../../test/support/events.js';
import type { ForgeEvent } from '../core/events.js';
import { rebaseEvent } from '../housekeeping/rebase-request.js';
import { planEvent, readyEvent } from '../tracking/milestone-events.js';
import { checksFailedEvent } from '../watch/watch-events.js';
import type { ForgeLookup, RoutingDecision } from './ports.js';
import { mentions, personMayTrigger, routeEvent, type RouteContext } from './route-event.js';
import { ForgeUnavailableError } from '../core/transient.js';

const writers = new Set(['alice', 'boss', 'dev', 'reviewer']);

function context(
  overrides: Partial<RouteContext> = {},
  pulls: Record<number, { headRef: string; author: string }> = {},
): RouteContext {
  const forge: ForgeLookup = {
    canTrigger: async (_repo, login) => writers.has(login),
    pullHead: async (_repo, number) => pulls[number],
    comment: async () => undefined,
  };
  return { agents: teamOfThree(), repositories: [], allowUsers: [], forge, ...overrides };
}

function work(decisions: RoutingDecision[]): string[] {
  return decisions.flatMap((d) => (d.kind === 'work' ? [`${d.key.agent}#${d.key.issue} (${d.trigger})`] : []));
}

function skips(decisions: RoutingDecision[]): string[] {
  return decisions.flatMap((d) => (d.kind === 'skip' ? [`${d.agent}: ${d.reason}`] : []));
}

describe('routeEvent', () => {
  const table: ReadonlyArray<{ story: string; event: ForgeEvent; expected: string[] }> = [
    { story: 'a new issue goes to boss', event: issueOpened(7), expected: ['boss#7 (issue_opened)'] },
    { story: 'an issue assigned to dev goes to dev', event: issueAssigned(7, 'dev'), expected: ['dev#7 (assigned)'] },
    { story: 'an issue assigned to someone else goes to nobody', event: issueAssigned(7, 'bob'), expected: [] },
    {
      story: 'a PR assigned to dev (Gitea: the assignee set) goes to dev',
      event: pullAssigned(pullRef(12, { author: { login: 'bob', id: 1 } }), ['dev']),
      expected: ['dev#12 (assigned)'],
    },
    {
      story: 'dev’s own issue-7 PR assigned to dev reaches dev’s issue 7 conversation',
      event: pullAssigned(pullRef(12), ['dev']),
      expected: ['dev#7 (assigned)'],
    },
    {
      story: 'a PR assigned (GitHub: the login named) to someone else goes to nobody',
      event: { ...pullAssigned(pullRef(12), ['dev', 'bob']), assignee: 'bob' },
      expected: [],
    },
    {
      story: 'a comment mentioning @dev goes to dev',
      event: commented(7, 'alice', 'please look, @dev'),
      expected: ['dev#7 (mention)'],
    },
    {
      story: 'a comment mentioning two agents goes to both',
      event: commented(7, 'alice', '@boss and @reviewer?'),
      expected: ['boss#7 (mention)', 'reviewer#7 (mention)'],
    },
    { story: 'a plain comment goes to nobody', event: commented(7, 'alice', 'thanks!'), expected: [] },
    { story: 'an e-mail address is not a mention', event: commented(7, 'alice', 'mail dev@example.com'), expected: [] },
    {
      story: 'a review requested from reviewer goes to reviewer on the PR',
      event: reviewRequested(pullRef(12), 'reviewer'),
      expected: ['reviewer#12 (review_requested)'],
    },
    {
      story: 'changes requested on dev’s issue-7 PR reach dev’s issue 7 conversation',
      event: reviewed(pullRef(12, { headRef: 'issue-7-fix-login' }), 'changes_requested'),
      expected: ['dev#7 (pr_feedback)'],
    },
    { story: 'an approval wakes nobody', event: reviewed(pullRef(12), 'approved'), expected: [] },
    {
      story: 'a human comment on dev’s PR reaches dev’s issue conversation',
      event: commented(12, 'alice', 'one more thing', { pull: pullRef(12) }),
      expected: ['dev#7 (pr_feedback)'],
    },
    {
      story: 'a comment on someone else’s PR does not reach dev',
      event: commented(12, 'alice', 'nice', { pull: pullRef(12, { author: { login: 'bob', id: 1 } }) }),
      expected: [],
    },
  ];
  for (const { story, event, expected } of table) {
    it(story, async () => {
      const decisions = await routeEvent(event, context());

      assert.deepEqual(work(decisions), expected);
    });
  }

  it('looks up the head branch of a PR when a comment payload does not carry it', async () => {
    const event = commented(12, 'alice', '@dev rebase please', { pull: undefined });
    const asPull = { ...event, issue: { ...event.issue, isPull: true } };

    const decisions = await routeEvent(asPull, context({}, { 12: { headRef: 'issue-7-fix-login', author: 'dev' } }));

    assert.deepEqual(work(decisions), ['dev#7 (mention)']);
  });

  it('gives a stacked PR retargeted by housekeeping to its author’s agent, on the key of its issue branch, to rebase', async () => {
    const event = rebaseEvent({
      forge: 'forgejo',
      repo: REPO,
      pull: pullRef(12, { headRef: 'issue-9-on-top', baseRef: 'issue-7-fix' }),
      merged: { number: 11, head: 'issue-7-fix', base: 'main' },
    });

    const decisions = await routeEvent(event, context());

    assert.deepEqual(work(decisions), ['dev#9 (retargeted)']);
  });

  it('asks nobody to rebase a retargeted PR a human opened, and says why', async () => {
    const event = rebaseEvent({
      forge: 'forgejo',
      repo: REPO,
      pull: pullRef(12, { author: { login: 'bob', id: 1 } }),
      merged: { number: 11, head: 'topic', base: 'main' },
    });

    const decisions = await routeEvent(event, context());

    assert.deepEqual(work(decisions), []);
    assert.deepEqual(skips(decisions), [
      '*: pull request #12 was retargeted; its author bob is no agent, so nobody is asked to rebase',
    ]);
  });

  it('gives failed checks of an agent’s PR to its author, on the key of the PR’s issue', async () => {
    const pull = pullRef(12, { author: { login: 'dev', id: 3 }, headRef: 'issue-7-login' });
    const event = checksFailedEvent('forgejo', REPO, pull, { sha: pull.headSha, attempt: 1, cap: 3, failed: [] });

    const decisions = await routeEvent(event, context());

    assert.deepEqual(work(decisions), ['dev#7 (checks_failed)']);
  });

  it('records whom a check result concerns, from the store alone, and why an old head’s concerns nobody', async () => {
    const draft = {
      type: 'check',
      source: 'status',
      forge: 'forgejo',
      repo: REPO,
      actor: { login: 'ci', id: 9 },
      sha: 'a'.repeat(40),
      context: 'ci / test',
      state: 'failure',
      targetUrl: '',
      description: '',
      at: '',
    } as const;
    const event = { ...draft, fingerprint: 'f' };
    const heads = new Map([['a'.repeat(40), 12]]);
    const ctx = context({ watchedHead: async (_repo, sha) => heads.get(sha) });

    assert.deepEqual(skips(await routeEvent(event, ctx)), [
      '*: check "ci / test" failure on aaaaaaaaaa: the head of #12, taken by the pull watch',
    ]);
    heads.clear();
    assert.deepEqual(skips(await routeEvent(event, ctx)), [
      '*: check "ci / test" failure on aaaaaaaaaa: not the head of an open pull request an agent opened (an old head, or nobody\'s), ignored',
    ]);
  });

  it('gives a story handed out by its milestone to the implementer, on the story’s key, whoever the trigger rules', async () => {
    const event = readyEvent({
      forge: 'forgejo',
      repo: REPO,
      story: { number: 5, title: 'Sessions store' },
      tracking: 1,
      upstream: [3],
      at: 0,
    });

    const decisions = await routeEvent(event, context({ agents: teamOfThree().map((a) => ({ ...a, triggers: [] })) }));

    assert.deepEqual(work(decisions), ['dev#5 (ready)']);
  });

  it('gives a plan request to the planner, unless the planner put the plan label there itself', async () => {
    const byAlice = planEvent(issueLabelled(7, ['plan'], 'alice'), 'plan');
    const byBoss = planEvent(issueLabelled(7, ['plan'], 'boss'), 'plan');

    assert.deepEqual(work(await routeEvent(byAlice, context())), ['boss#7 (plan)']);
    assert.deepEqual(skips(await routeEvent(byBoss, context())), ['boss: its own action (plan)']);
  });

  it('says nobody takes a ready story when no implementer is configured', async () => {
    const event = readyEvent({
      forge: 'forgejo',
      repo: REPO,
      story: { number: 5, title: 'x' },
      tracking: 1,
      upstream: [],
      at: 0,
    });

    const decisions = await routeEvent(
      event,
      context({ agents: teamOfThree().filter((a) => a.role !== 'implementer') }),
    );

    assert.deepEqual(skips(decisions), ['*: no implementer agent is configured to take issue #5']);
  });

  it('never lets an agent react to its own comment', async () => {
    const decisions = await routeEvent(commented(7, 'dev', 'note to self @dev'), context());

    assert.deepEqual(work(decisions), []);
    assert.match(skips(decisions)[0] ?? '', /^dev: its own action/);
  });

  it('lets another agent’s comment trigger only through a mention', async () => {
    const plain = await routeEvent(commented(12, 'reviewer', 'looks odd', { pull: pullRef(12) }), context());
    const mention = await routeEvent(commented(12, 'reviewer', '@dev please fix', { pull: pullRef(12) }), context());

    assert.deepEqual(work(plain), []);
    assert.match(skips(plain)[0] ?? '', /reviewer is an agent/);
    assert.deepEqual(work(mention), ['dev#7 (mention)']);
  });

  it("ignores an agent's status comment, created or edited, whatever it says", async () => {
    const status = '<!-- claude-hooks:status job=3 -->\nasked @dev and @boss';

    const created = await routeEvent(commented(7, 'reviewer', status), context());
    const edited = await routeEvent({ ...commented(7, 'reviewer', status), action: 'edited' }, context());

    assert.deepEqual(created, []);
    assert.deepEqual(edited, []);
  });

  it("routes a person's comment that copies the status marker like any other", async () => {
    const decisions = await routeEvent(
      commented(7, 'alice', '<!-- claude-hooks:status job=3 -->\n@dev look'),
      context(),
    );

    assert.deepEqual(work(decisions), ['dev#7 (mention)']);
  });

  it('records and ignores a user without write access', async () => {
    const decisions = await routeEvent(commented(7, 'mallory', '@dev rm -rf please'), context());

    assert.deepEqual(work(decisions), []);
    assert.deepEqual(skips(decisions), [
      'dev: mallory has no write access to acme/widget and is not in dispatch.allowUsers',
    ]);
  });

  it('lets a user on the allow-list trigger without write access', async () => {
    const decisions = await routeEvent(commented(7, 'mallory', '@dev hi'), context({ allowUsers: ['Mallory'] }));

    assert.deepEqual(work(decisions), ['dev#7 (mention)']);
  });

  it('records, for an event from a repository not configured, that it is not in forge.repositories', async () => {
    const decisions = await routeEvent(issueOpened(7), context({ repositories: ['acme/other'] }));

    assert.deepEqual(work(decisions), []);
    assert.deepEqual(skips(decisions), ['*: acme/widget is not in forge.repositories']);
  });

  it('lets a failed permission check through as an error, so the event is routed again later', async () => {
    const down = context({
      forge: {
        canTrigger: async () => Promise.reject(new ForgeUnavailableError('forge down')),
        pullHead: async () => undefined,
        comment: async () => undefined,
      },
    });

    await assert.rejects(routeEvent(commented(7, 'mallory', '@dev hi'), down), /forge down/);
  });

  const labelTable: ReadonlyArray<{ story: string; added: readonly string[] | undefined; expected: string[] }> = [
    { story: 'a label event that added agent/dev goes to dev', added: ['agent/dev'], expected: ['dev#7 (label)'] },
    {
      story: 'a label event that added another label, agent/dev still set, goes to nobody',
      added: ['bug'],
      expected: [],
    },
    {
      story: 'a label event with no known history counts its whole set',
      added: undefined,
      expected: ['dev#7 (label)'],
    },
  ];
  for (const { story, added, expected } of labelTable) {
    it(story, async () => {
      const event = issueLabelled(7, ['agent/dev', 'bug']);

      const decisions = await routeEvent(event, context(), added === undefined ? {} : { addedLabels: added });

      assert.deepEqual(work(decisions), expected);
    });
  }
});

describe('who may trigger an agent (personMayTrigger)', () => {
  const table: ReadonlyArray<{ who: string; allowUsers?: string[]; expected: boolean }> = [
    { who: 'alice', expected: true },
    { who: 'mallory', expected: false },
    { who: 'mallory', allowUsers: ['Mallory'], expected: true },
    { who: 'dev', expected: false },
    { who: 'DEV', allowUsers: ['dev'], expected: false },
  ];
  for (const { who, allowUsers = [], expected } of table) {
    it(`${expected ? 'lets' : 'does not let'} ${who}${allowUsers.length > 0 ? ` (allowUsers: ${allowUsers.join(', ')})` : ''} trigger, ${expected ? 'as routing does' : who.toLowerCase() === 'dev' ? 'being an agent' : 'having no write access'}`, async () => {
      const rule = context({ allowUsers });

      const allowed = await personMayTrigger(rule, REPO, who);

      assert.equal(allowed, expected);
    });
  }

  it("asks the forge only about people, never about an agent's login", async () => {
    const asked: string[] = [];
    const rule = {
      agents: teamOfThree(),
      allowUsers: [],
      forge: { canTrigger: async (_repo: unknown, login: string) => (asked.push(login), true) },
    };

    await personMayTrigger(rule, REPO, 'reviewer');
    await personMayTrigger(rule, REPO, 'alice');

    assert.deepEqual(asked, ['alice']);
  });
});

describe('mentions', () => {
  const table: ReadonlyArray<[string, boolean]> = [
    ['@dev', true],
    ['hey @DEV, look', true],
    ['(@dev)', true],
    ['@developer', false],
    ['@dev-ops', false],
    ['dev@example.com', false],
    ['> @dev said so', false],
    ['`@dev`', false],
    ['```\n@dev\n```', false],
  ];
  for (const [text, expected] of table) {
    it(`${expected ? 'finds' : 'does not find'} @dev in ${JSON.stringify(text)}`, () => {
      assert.equal(mentions(text, 'dev'), expected);
    });
  }
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startForgeDouble, type ForgeDouble } from '../../test/support/forge/forge-double.js';
import { manualClock } from '../lib/clock.js';
import { silentLogger } from '../lib/logger.js';
import { Secret } from '../lib/secret.js';
import { checkAgents, createForgeReadiness, type AgentToCheck } from './check-agents.js';
import { createGiteaClient } from './rest/gitea-client.js';

describe('checkAgents', () => {
  let forge: ForgeDouble;
  let tokens: Record<string, string>;
  /** The forge is reachable while this is true; otherwise every request fails as a refused connection does. */
  let reachable = true;
  const agent = (name: string, login: string, token: string, baseUrl = forge.url): AgentToCheck => ({
    name,
    login,
    client: createGiteaClient({
      baseUrl,
      token: new Secret(token),
      log: silentLogger(),
      fetch: (input, init) =>
        reachable ? fetch(input, init) : Promise.reject(new TypeError('fetch failed: connect ECONNREFUSED')),
    }),
  });

  before(async () => {
    forge = await startForgeDouble({ webhookSecret: 'secret', checkOpenApi: true });
    tokens = { dev: forge.addUser('dev-bot').token, reviewer: forge.addUser('review-bot').token };
  });
  after(async () => {
    assert.deepEqual(forge.openApiViolations(), []);
    await forge.close();
  });

  it('finds nothing wrong when every token belongs to its agent’s login (in any case)', async () => {
    const report = await checkAgents([
      agent('dev', 'dev-bot', tokens.dev!),
      agent('reviewer', 'Review-Bot', tokens.reviewer!),
    ]);

    assert.deepEqual(report, { fatal: [], unreachable: [] });
  });

  it('names the agent whose token the forge refuses (401)', async () => {
    const report = await checkAgents([
      agent('dev', 'dev-bot', tokens.dev!),
      agent('reviewer', 'review-bot', 'not-a-token'),
    ]);

    assert.deepEqual(
      report.fatal.map((p) => [p.agent, p.kind]),
      [['reviewer', 'token-refused']],
    );
    assert.match(
      report.fatal[0]!.message,
      /agent "reviewer": the forge refused its token \(401\): check agents\.reviewer\.token/,
    );
  });

  it('names the agent whose token belongs to another forge user, and both logins', async () => {
    const report = await checkAgents([agent('dev', 'dev-bot', tokens.reviewer!)]);

    assert.deepEqual(
      report.fatal.map((p) => [p.agent, p.kind]),
      [['dev', 'wrong-login']],
    );
    assert.match(
      report.fatal[0]!.message,
      /agent "dev": its token belongs to forge user "review-bot", but agents\.dev\.login is "dev-bot"/,
    );
  });

  it('reports a forge it cannot reach as unreachable, not as a wrong token', async () => {
    reachable = false;
    try {
      const report = await checkAgents([agent('dev', 'dev-bot', tokens.dev!)]);

      assert.deepEqual(report.fatal, []);
      assert.deepEqual(
        report.unreachable.map((p) => p.agent),
        ['dev'],
      );
      assert.match(report.unreachable[0]!.message, /agent "dev": .*ECONNREFUSED/);
    } finally {
      reachable = true;
    }
  });

  it('gives up on a forge that does not answer within the timeout', async () => {
    const silent: AgentToCheck = {
      name: 'dev',
      login: 'dev-bot',
      client: { whoami: () => new Promise(() => undefined) },
    };

    const report = await checkAgents([silent], { timeoutMs: 50 });

    assert.match(report.unreachable[0]?.message ?? '', /no answer within 50 ms/);
  });

  it('keeps readiness failing with "forge unreachable" until a check after the cache time gets through', async () => {
    const clock = manualClock();
    const readiness = createForgeReadiness({ agents: [agent('dev', 'dev-bot', tokens.dev!)], clock, cacheMs: 30_000 });
    reachable = false;
    const down = await readiness.status();
    reachable = true;

    const cached = await readiness.status();
    clock.advance(30_000);
    const recovered = await readiness.status();

    assert.equal(down.ok, false);
    assert.match(down.detail, /^forge unreachable: agent "dev": /);
    assert.deepEqual(cached, down, 'within the cache time the last answer stands');
    assert.deepEqual(recovered, { ok: true, detail: '1 agent token(s) accepted by the forge' });
  });
});

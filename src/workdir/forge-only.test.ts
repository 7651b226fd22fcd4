import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { authEnvironment, ensureCredentialHelper } from './auth.js';
import { startCatchingServer, type CatchingServer } from '../../test/support/catching-server.js';
import { createHarness, git, gitAsync, type Harness, type Origin } from '../../test/support/workdir/fixture.js';
import type { Lease, Workdirs } from './types.js';

function leased(result: Awaited<ReturnType<Workdirs['acquire']>>): Lease {
  assert.ok(result.ok, `acquire failed: ${JSON.stringify(!result.ok && result.error)}`);
  return result.value;
}

/** docs/decisions.md §10: the token goes to the configured forge and nowhere else, whatever a request says. */
describe('workdirs with a configured forge URL', () => {
  let h: Harness;
  let origin: Origin;
  let catcher: CatchingServer;
  let workdirs: Workdirs;

  before(async () => {
    h = await createHarness();
    origin = h.origin('acme', 'guarded');
    catcher = await startCatchingServer();
    workdirs = h.workdirs({ forgeUrl: h.forge.url });
  });
  after(async () => {
    await catcher.close();
    await h.close();
  });

  it('fetches from the forge, never from the clone URL a request carries, and the other host sees no token', async () => {
    const repo = { ...origin.repo, cloneUrl: `${catcher.url}/acme/guarded.git` };

    const lease = leased(
      await workdirs.acquire({ repo, agent: h.agents.dev, target: { kind: 'issue-branch', branch: 'issue-1-fetch' } }),
    );
    await lease.release();

    assert.deepEqual(catcher.requests, []);
    assert.equal(git(lease.path, ['config', '--get', 'remote.origin.url']), `${h.forge.url}/acme/guarded.git`);
    assert.ok(h.forge.offered.includes(h.agents.dev.token.reveal()), 'the forge did receive the token');
  });

  it('refuses a repository on another host than the forge, before any git runs', async () => {
    const repo = { ...origin.repo, host: catcher.host, cloneUrl: `${catcher.url}/acme/guarded.git` };

    const result = await workdirs.acquire({ repo, agent: h.agents.dev, target: { kind: 'default-branch' } });

    assert.equal(!result.ok && result.error.kind, 'invalid-request');
    assert.match(!result.ok ? result.error.message : '', /is not the forge's/);
    assert.deepEqual(catcher.requests, []);
  });

  it('points a cache made from another URL back at the forge before fetching', async () => {
    const other = h.origin('acme', 'repointed');
    const alias = `${h.forge.url.replace('127.0.0.1', 'localhost')}/acme/repointed.git`;
    const unguarded = h.workdirs();
    const first = leased(
      await unguarded.acquire({
        repo: { ...other.repo, cloneUrl: alias },
        agent: h.agents.dev,
        target: { kind: 'default-branch' },
      }),
    );
    await first.release();
    const cache = git(first.path, ['rev-parse', '--path-format=absolute', '--git-common-dir']);
    assert.equal(git(cache, ['config', '--get', 'remote.origin.url']), alias);

    const again = leased(
      await workdirs.acquire({ repo: other.repo, agent: h.agents.dev, target: { kind: 'default-branch' } }),
    );
    await again.release();

    assert.equal(git(cache, ['config', '--get', 'remote.origin.url']), `${h.forge.url}/acme/repointed.git`);
  });

  it('gives the agent a credential helper that answers no other host, even when the agent asks git to go there', async () => {
    const lease = leased(
      await workdirs.acquire({ repo: origin.repo, agent: h.agents.reviewer, target: { kind: 'default-branch' } }),
    );

    const attempt = gitAsync(lease.path, ['ls-remote', `${catcher.url}/acme/guarded.git`], { ...h.env, ...lease.env });
    await assert.rejects(attempt, /could not read Username|Authentication failed|terminal prompts disabled/);
    await lease.release();

    assert.ok(catcher.requests.length > 0, 'git did reach the other host');
    assert.deepEqual(catcher.authorizations(), []);
  });

  const helperCases: { name: string; input: string; answers: boolean }[] = [
    { name: 'the forge’s protocol and host:port', input: 'protocol=http\nhost=HOST\n\n', answers: true },
    { name: 'another port on the same machine', input: 'protocol=http\nhost=127.0.0.1:9\n\n', answers: false },
    { name: 'the forge’s host over another protocol', input: 'protocol=https\nhost=HOST\n\n', answers: false },
    { name: 'no host at all', input: 'protocol=http\n\n', answers: false },
  ];
  for (const { name, input, answers } of helperCases) {
    it(`has the credential helper ${answers ? 'answer' : 'stay silent'} for ${name}`, async () => {
      const helper = await ensureCredentialHelper(join(h.dir, 'helper-bin'));
      const env = {
        PATH: h.env.PATH ?? '',
        ...authEnvironment({ helperPath: helper, agent: h.agents.dev, cloneUrl: `${h.forge.url}/acme/guarded.git` }),
      };

      const output = execFileSync(helper, ['get'], {
        env,
        input: input.replace('HOST', new URL(h.forge.url).host),
        encoding: 'utf8',
      });

      assert.equal(output.includes(h.agents.dev.token.reveal()), answers, output);
    });
  }
});

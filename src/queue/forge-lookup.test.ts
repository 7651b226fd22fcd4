import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { REPO } from '../../test/support/events.js';
import { manualClock } from '../lib/clock.js';
import { silentLogger } from '../lib/logger.js';
import { Secret } from '../lib/secret.js';
import { isTransient } from '../core/transient.js';
import type { ForgeClient, Permission } from '../forge/client.js';
import { createForgeLookup } from './forge-lookup.js';
import { createGiteaClient } from '../forge/rest/gitea-client.js';

/** A Gitea client whose every request gets `answer` (a forge's reply, or a network failure). */
function lookupAnswering(answer: () => Promise<Response>) {
  const client: ForgeClient = createGiteaClient({
    baseUrl: 'http://forge.test',
    token: new Secret('t'),
    log: silentLogger(),
    fetch: async () => answer(),
  });
  return createForgeLookup({ clients: new Map([['dev', client]]), cacheMs: 0, clock: manualClock(0) });
}

describe('createForgeLookup', () => {
  const failures: ReadonlyArray<{ story: string; answer: () => Promise<Response> }> = [
    { story: 'the forge cannot be reached', answer: async () => Promise.reject(new TypeError('fetch failed')) },
    { story: 'the forge answers 502', answer: async () => new Response('bad gateway', { status: 502 }) },
    {
      story: 'the forge answers 401 (a token it no longer takes)',
      answer: async () => new Response('{"message":"token is required"}', { status: 401 }),
    },
    {
      story: 'the forge answers 200 with a page that is not JSON (a proxy’s login page)',
      answer: async () => new Response('<html>sign in</html>', { status: 200 }),
    },
    { story: 'the forge answers 200 without a permission', answer: async () => Response.json({ role_name: 'owner' }) },
  ];
  for (const { story, answer } of failures) {
    it(`reports a permission check as transient, to be tried again, when ${story}`, async () => {
      const lookup = lookupAnswering(answer);

      const error = await lookup.canTrigger(REPO, 'mallory').then(
        () => assert.fail('expected the permission check to fail'),
        (e: unknown) => e,
      );

      assert.equal(isTransient(error), true);
      assert.match(String(error), /could not check mallory's permission on acme\/widget/);
    });
  }

  describe('with a permission reader (forge.serviceToken)', () => {
    /** A Gitea client that records who asked what and answers `permission` to every permission question. */
    function clientAs(name: string, asked: string[], permission: Permission = 'write'): ForgeClient {
      const fetch = async (url: string | URL | Request) => {
        asked.push(`${name} ${String(url).replace('http://forge.test/api/v1', '')}`);
        return Response.json({ permission, role_name: permission });
      };
      return createGiteaClient({
        baseUrl: 'http://forge.test',
        token: new Secret(name),
        log: silentLogger(),
        fetch: fetch as typeof globalThis.fetch,
      });
    }

    it('reads permissions with the reader, not with an agent', async () => {
      const asked: string[] = [];
      const lookup = createForgeLookup({
        clients: new Map([['boss', clientAs('boss', asked)]]),
        permissionReader: clientAs('service', asked),
        cacheMs: 0,
        clock: manualClock(0),
      });

      const allowed = await lookup.canTrigger(REPO, 'alice');

      assert.equal(allowed, true);
      assert.deepEqual(asked, ['service /repos/acme/widget/collaborators/alice/permission']);
    });

    it('reads them with the first agent when there is no reader', async () => {
      const asked: string[] = [];
      const lookup = createForgeLookup({
        clients: new Map([
          ['boss', clientAs('boss', asked)],
          ['dev', clientAs('dev', asked)],
        ]),
        cacheMs: 0,
        clock: manualClock(0),
      });

      await lookup.canTrigger(REPO, 'alice');

      assert.deepEqual(asked, ['boss /repos/acme/widget/collaborators/alice/permission']);
    });

    it('answers no for a reader of the repository', async () => {
      const lookup = createForgeLookup({
        clients: new Map([['boss', clientAs('boss', [])]]),
        permissionReader: clientAs('service', [], 'read'),
        cacheMs: 0,
        clock: manualClock(0),
      });

      assert.equal(await lookup.canTrigger(REPO, 'mallory'), false);
    });
  });

  it('answers no for a user who is not a collaborator (404), without an error', async () => {
    const lookup = lookupAnswering(async () => new Response('{"message":"not found"}', { status: 404 }));

    assert.equal(await lookup.canTrigger(REPO, 'mallory'), false);
  });
});

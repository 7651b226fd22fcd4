import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startSilentServer, startTricklingServer, type HungServer } from '../../../test/support/hung-server.js';
import { silentLogger } from '../../lib/logger.js';
import { Secret } from '../../lib/secret.js';
import { ForgeApiError } from '../client.js';
import { createGiteaClient } from './gitea-client.js';
import { createOnboardingClient } from '../../onboarding/gitea-onboarding-client.js';
import { createTransport } from './transport.js';

function noAnswer(error: unknown): boolean {
  assert.ok(error instanceof ForgeApiError, String(error));
  assert.equal(error.status, 0);
  assert.equal(error.transient, true, 'no answer is worth trying again later');
  assert.match(error.body, /^no whole answer within 0\.3 s \(forge\.requestTimeoutSeconds\)$/);
  return true;
}

describe('forge transport: a forge that does not answer', () => {
  let silent: HungServer;
  let trickling: HungServer;
  before(async () => {
    silent = await startSilentServer();
    trickling = await startTricklingServer();
  });
  after(async () => {
    await silent.close();
    await trickling.close();
  });

  it('fails a call to a forge that accepts and never answers once the time limit has passed', async () => {
    const transport = createTransport({ baseUrl: silent.url, timeoutMs: 300 });

    await assert.rejects(transport('GET', '/user', { authorization: 'token t' }), noAnswer);
  });

  it('fails a call whose answer starts but never ends: the limit covers the body too', async () => {
    const transport = createTransport({ baseUrl: trickling.url, timeoutMs: 300 });

    await assert.rejects(transport('GET', '/user', { authorization: 'token t' }), noAnswer);
  });

  it('holds the service client and the onboarding client to the limit they are given', async () => {
    const service = createGiteaClient({
      baseUrl: silent.url,
      token: new Secret('t'),
      timeoutMs: 300,
      log: silentLogger(),
    });
    const onboarding = createOnboardingClient({ baseUrl: silent.url, token: 't', timeoutMs: 300 });

    await assert.rejects(service.whoami(), noAnswer);
    await assert.rejects(onboarding.whoAmI(), noAnswer);
  });
});

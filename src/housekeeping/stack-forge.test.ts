import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AgentConfig } from '../config/types.js';
import { makeAgent } from '../../test/support/workdir/fixture.js';
import type { ForgeClient } from '../forge/client.js';
import type { RepoRef } from '../core/events.js';
import { createStackForge } from './stack-forge.js';

const repo = { fullName: 'acme/widget' } as RepoRef;

function recordingClients(agents: readonly AgentConfig[]): { clients: Map<string, ForgeClient>; edits: string[] } {
  const edits: string[] = [];
  const clients = new Map(
    agents.map((agent) => [
      agent.name,
      {
        editPullBase: async (_repo: string, number: number, base: string) => (
          edits.push(`${agent.name}:${number}->${base}`), {}
        ),
      } as unknown as ForgeClient,
    ]),
  );
  return { clients, edits };
}

describe('the stack forge', () => {
  const boss = makeAgent('boss', 'tok-boss-stack');
  const dev = makeAgent('dev', 'tok-dev-stack');

  it("retargets an agent's PR as that agent, and a person's PR as the agent that may edit pull requests (dev, not boss)", async () => {
    const { clients, edits } = recordingClients([boss, dev]);
    const forge = createStackForge([boss, dev], clients)!;

    await forge.retarget(repo, 14, 'main', dev.login);
    await forge.retarget(repo, 15, 'main', 'alice');

    assert.deepEqual(edits, ['dev:14->main', 'dev:15->main']);
  });
});

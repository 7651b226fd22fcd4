/**
 * What a test that builds the Claude runner itself needs beside its stores: the isolation every
 * run goes through (the real bubblewrap sandbox unless a test asks for `none`) and a trigger rule
 * (who may say `continue`), by default anyone but the agents.
 */
import { join } from 'node:path';
import type { AgentConfig } from '../../../src/config/types.js';
import { silentLogger } from '../../../src/lib/logger.js';
import type { TriggerRule } from '../../../src/queue/route-event.js';
import { createIsolation, type Isolation, type IsolationKind } from '../../../src/sandbox/isolation.js';

export function testIsolation(dataDir: string, kind: IsolationKind = 'bwrap'): Isolation {
  return createIsolation({ kind, dataDir, env: { PATH: process.env.PATH }, log: silentLogger() });
}

export function anyoneMayTrigger(agents: readonly AgentConfig[] = []): TriggerRule {
  return { agents, allowUsers: [], forge: { canTrigger: async () => true } };
}

export const sandboxDir = (dataDir: string): string => join(dataDir, 'sandbox');

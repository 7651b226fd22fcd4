/**
 * A forge client for benchmarks that never leave the process: everyone may write, no repository
 * has anything to poll, and any other call fails loudly (so a benchmark that starts to depend on
 * the forge says so instead of measuring a network it does not have).
 */
import type { ForgeClient } from '../../src/forge/client.js';
import { forgeClientWith } from '../../test/support/forge-client-stub.js';

export function permissiveForge(): ForgeClient {
  return forgeClientWith(
    {
      listIssuesUpdatedSince: async () => [],
      listCommentsUpdatedSince: async () => [],
      getPermission: async () => 'write',
      listTimelineSince: async () => [],
    },
    'the benchmarks',
  );
}

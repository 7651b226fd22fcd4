/**
 * The admin API can reset agents' work: a service reachable from other hosts must have a token
 * guarding it. Loopback without a token is allowed (the API then answers 403).
 */
import { isIP } from 'node:net';
import type { Config } from '../config/types.js';

export class UnguardedListenError extends Error {
  readonly code = 'UNGUARDED_LISTEN';
}

export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost' || bare === '::1') return true;
  return isIP(bare) === 4 && bare.startsWith('127.');
}

export function loopbackOrToken(config: Pick<Config, 'server' | 'adminToken'>): void {
  if (config.adminToken || isLoopback(config.server.host)) return;
  throw new UnguardedListenError(
    `refusing to listen on ${config.server.host} without an admin token: the admin API could be reached from other hosts. Set CLAUDE_HOOKS_ADMIN_TOKEN (adminToken), or listen on 127.0.0.1`,
  );
}

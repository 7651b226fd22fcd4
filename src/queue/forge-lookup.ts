/**
 * Dispatch's view of the forge (`ForgeLookup`) over the REST clients: permission checks cached
 * for a while (a burst of comments costs one API call), PR heads, and comments posted as a given
 * agent. Agents themselves always count as allowed. A permission check the forge could not answer
 * (any `ForgeApiError`) is a `ForgeUnavailableError`: transient, so the event waits for the forge.
 *
 * Permissions are read with their own client: Gitea tells a user's permission on a repository to
 * that user and to the repository's admins only, and no agent should be an admin — so the reader
 * is the service's credential (`forge.serviceToken`, a repository admin with a read-only token).
 * Without one, the first agent's client reads them, and that agent then needs admin.
 */
import type { Clock } from '../lib/clock.js';
import type { ForgeLookup } from './ports.js';
import { ForgeUnavailableError } from '../core/transient.js';
import { ForgeApiError, type ForgeClient } from '../forge/client.js';

export interface ForgeLookupOptions {
  /** One client per agent name, each authenticated with that agent's token. */
  readonly clients: ReadonlyMap<string, ForgeClient>;
  /** Reads collaborators' permissions: the client of `forge.serviceToken`; the first agent's when absent. */
  readonly permissionReader?: Pick<ForgeClient, 'getPermission'>;
  readonly cacheMs: number;
  readonly clock: Clock;
}

export function createForgeLookup(options: ForgeLookupOptions): ForgeLookup {
  const cache = new Map<string, { allowed: boolean; at: number }>();
  const anyClient = () => {
    const first = options.clients.values().next();
    if (first.done) throw new Error('no agent is configured, so there is no forge token to call the API with');
    return first.value;
  };

  return {
    async canTrigger(repo, login) {
      const key = `${repo.fullName.toLowerCase()}\u0000${login.toLowerCase()}`;
      const cached = cache.get(key);
      const now = options.clock.now();
      if (cached && now - cached.at < options.cacheMs) return cached.allowed;
      const permission = await (options.permissionReader ?? anyClient())
        .getPermission(repo.fullName, login)
        .catch((error: unknown) => {
          // Forge down, or an answer that could not be read: the event is routed again later
          // rather than dropped for every agent. A bug (not a ForgeApiError) stays a fault.
          if (!(error instanceof ForgeApiError)) throw error;
          throw new ForgeUnavailableError(
            `could not check ${login}'s permission on ${repo.fullName}: ${error.message}`,
            { cause: error },
          );
        });
      const allowed = permission === 'write' || permission === 'admin';
      cache.set(key, { allowed, at: now });
      return allowed;
    },
    async pullHead(repo, number) {
      const pull = await anyClient().getPull(repo.fullName, number);
      return { headRef: pull.headRef, author: pull.author.login };
    },
    async comment(repo, issue, body, agent) {
      const client = options.clients.get(agent) ?? anyClient();
      await client.createComment(repo.fullName, issue, body);
    },
  };
}

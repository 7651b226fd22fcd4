/** What the service must never let out: every secret value its configuration holds. */
import { urlPasswords, type SecretValue } from '../lib/redactor.js';
import type { Config } from './types.js';

/**
 * Every secret value in the configuration: agents' forge tokens and model credentials, the admin
 * token, the webhook secret, the service's forge token, the metrics token, and the password in
 * any URL that carries one (the database's above all).
 */
export function configSecrets(config: Config): SecretValue[] {
  return [
    ...config.agents.flatMap((agent) => [
      agent.token,
      agent.model?.credential.secret,
      ...urlPasswords(agent.model?.baseUrl),
    ]),
    config.adminToken,
    config.forge.webhookSecret,
    config.forge.serviceToken,
    config.server.metricsToken,
    ...urlPasswords(config.forge.url),
    ...(config.store.kind === 'postgres' ? urlPasswords(config.store.url) : []),
  ];
}

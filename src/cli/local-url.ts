/**
 * Where a command on this machine reaches the configured service: its `server.host` and port, a
 * wildcard host (`0.0.0.0`, `::`, empty) as the loopback address, an IPv6 host in brackets.
 */
import type { Config } from '../config/types.js';

export function localServiceUrl(config: Pick<Config, 'server'>): string {
  const host = ['0.0.0.0', '::', ''].includes(config.server.host) ? '127.0.0.1' : config.server.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.server.port}`;
}

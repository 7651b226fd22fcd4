/** The service probe (`ports.ts`) over the service's own HTTP API: `/healthz`, `/api/deliveries`, `/metrics`. */
import { z } from 'zod';
import type { ServiceProbe } from './ports.js';

const Deliveries = z.object({ deliveries: z.array(z.object({ eventType: z.string(), receivedAt: z.number() })) });

export function createServiceProbe(options: { url: string; adminToken: string | undefined }): ServiceProbe {
  const base = options.url.replace(/\/+$/, '');
  const get = (path: string, auth = false) =>
    fetch(`${base}${path}`, {
      headers: auth && options.adminToken !== undefined ? { authorization: `Bearer ${options.adminToken}` } : {},
      signal: AbortSignal.timeout(5000),
    });
  return {
    async reachable() {
      try {
        return (await get('/healthz')).ok;
      } catch {
        return false;
      }
    },
    async deliveries() {
      const response = await get('/api/deliveries?limit=50', true);
      if (!response.ok)
        throw new Error(
          `GET ${base}/api/deliveries answered ${response.status}${response.status === 403 ? ': set adminToken so doctor can read deliveries back' : ''}`,
        );
      return Deliveries.parse(await response.json()).deliveries;
    },
    async signatureRejections() {
      const text = await (await get('/metrics')).text();
      let total = 0;
      for (const line of text.split('\n')) {
        if (line.startsWith('claude_hooks_deliveries_total{') && line.includes('outcome="rejected:bad-signature"'))
          total += Number(line.slice(line.lastIndexOf(' ') + 1)) || 0;
      }
      return total;
    },
  };
}

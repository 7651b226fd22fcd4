/**
 * `claude-hooks deliveries`: what the forge sent and what became of it, newest first — down to
 * each agent's decision and its reason, so an operator can see why nothing ran.
 */
import { describeOutcome } from '../intake/describe-routing.js';
import { formatTable } from '../lib/format-table.js';
import type { StoreLocation } from '../config/types.js';
import { withDataDirStore } from './data-dir-store.js';

export async function printDeliveries(
  where: StoreLocation,
  options: { limit: string | undefined; json: boolean },
): Promise<number> {
  const limit = Number(options.limit ?? 50);
  if (!Number.isInteger(limit) || limit < 1) {
    process.stderr.write(`--limit must be a whole number above 0, got ${options.limit}\n`);
    return 2;
  }
  return withDataDirStore(where, async (store) => {
    const deliveries = await store.deliveryHistory.recent(limit);
    if (options.json) {
      process.stdout.write(`${JSON.stringify(deliveries, null, 2)}\n`);
      return 0;
    }
    if (deliveries.length === 0) {
      process.stdout.write('no deliveries yet: check the webhook in the forge (see docs/forge-setup.md)\n');
      return 0;
    }
    const rows = deliveries.map((d) => [
      new Date(d.receivedAt).toISOString(),
      d.source === 'poll' ? 'poller' : d.forge,
      d.eventType,
      d.outcome,
      d.source === 'poll' ? '' : d.deliveryId,
      describeOutcome(d),
    ]);
    process.stdout.write(formatTable(['received', 'from', 'event type', 'outcome', 'delivery', 'became'], rows));
    return 0;
  });
}

/** `claude-hooks jobs`: the dispatch queue, read straight from the data dir's database. */
import { parseJobQuery } from '../queue/job-query.js';
import { formatJobTable, listJobViews } from '../queue/job-view.js';
import type { StoreLocation } from '../config/types.js';
import { withDataDirStore } from './data-dir-store.js';

interface Io {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

export async function printJobs(
  where: StoreLocation,
  options: { state: readonly string[] | undefined; limit: string | undefined; json: boolean },
  io: Io = process,
): Promise<number> {
  const query = parseJobQuery(options, { defaultLimit: 50, maxLimit: 10_000 });
  if (!query.ok) {
    io.stderr.write(`${query.error}\n`);
    return 2;
  }
  return withDataDirStore(
    where,
    async (store) => {
      const views = await listJobViews(store.jobs, query.value);
      io.stdout.write(options.json ? `${JSON.stringify(views, null, 2)}\n` : formatJobTable(views));
      return 0;
    },
    io,
  );
}

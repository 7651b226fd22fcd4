/** `claude-hooks jobs`: the dispatch queue, read straight from the data dir's database. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock } from '../lib/clock.js';
import { JOB_STATES, type JobState } from '../queue/job-state.js';
import { formatJobTable, listJobViews } from '../queue/job-view.js';
import { DATABASE_FILE, openSqliteStore } from '../store/sqlite/sqlite-store.js';

export async function printJobs(dataDir: string, options: { state: string | undefined; limit: string | undefined; json: boolean }): Promise<number> {
  if (!existsSync(join(dataDir, DATABASE_FILE))) {
    process.stderr.write(`no database in ${dataDir}: the service has not run with this data dir yet\n`);
    return 1;
  }
  const states = (options.state ?? '').split(',').filter((s) => s !== '');
  const unknown = states.filter((s) => !(JOB_STATES as readonly string[]).includes(s));
  if (unknown.length > 0) {
    process.stderr.write(`unknown job state(s): ${unknown.join(', ')}; expected ${JOB_STATES.join(', ')}\n`);
    return 2;
  }
  const store = openSqliteStore({ dataDir, clock: systemClock, dedupWindowMs: 0 });
  try {
    const views = await listJobViews(store.jobs, { states: states as JobState[], limit: Number(options.limit ?? 50) });
    process.stdout.write(options.json ? `${JSON.stringify(views, null, 2)}\n` : formatJobTable(views));
    return 0;
  } finally {
    await store.close();
  }
}

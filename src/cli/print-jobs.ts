/** `claude-hooks jobs`: the dispatch queue, read straight from the data dir's database. */
import { JOB_STATES, type JobState } from '../queue/job-state.js';
import { formatJobTable, listJobViews } from '../queue/job-view.js';
import { withDataDirStore } from './data-dir-store.js';

export async function printJobs(dataDir: string, options: { state: string | undefined; limit: string | undefined; json: boolean }): Promise<number> {
  const states = (options.state ?? '').split(',').filter((s) => s !== '');
  const unknown = states.filter((s) => !(JOB_STATES as readonly string[]).includes(s));
  if (unknown.length > 0) {
    process.stderr.write(`unknown job state(s): ${unknown.join(', ')}; expected ${JOB_STATES.join(', ')}\n`);
    return 2;
  }
  return withDataDirStore(dataDir, async (store) => {
    const views = await listJobViews(store.jobs, { states: states as JobState[], limit: Number(options.limit ?? 50) });
    process.stdout.write(options.json ? `${JSON.stringify(views, null, 2)}\n` : formatJobTable(views));
    return 0;
  });
}

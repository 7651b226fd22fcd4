/**
 * `claude-hooks prs [--all] [--json]`: the pull requests the service sees through to the merge
 * (docs/until-merged.md), one line each — checks, fix attempts used of the cap, reruns, flaky
 * checks, merging, what each waits on — read straight from the store like `milestones` (the
 * service need not run). It reads the whole configuration for the cap, `pulls.fixAttempts`, as
 * `milestones` does for its settings. Open ones by default; `--all` adds the merged and closed
 * ones the store still keeps.
 */
import type { Config } from '../config/types.js';
import { formatPullTable, pullView } from '../pulls/pull-view.js';
import type { CliIo, OptionValues } from './commands.js';
import { withDataDirStore } from './data-dir-store.js';

export const PRS_HELP = `Reads the store (the data dir's database, or PostgreSQL with store: postgres); the service need
not run. It reads the whole configuration, as the service does: pulls.fixAttempts is the cap the
attempts are counted against.

  --all            merged and closed pull requests too (the store keeps them a while)
  --json           JSON instead of a table`;

export async function runPrs(config: Config, values: OptionValues, io: CliIo): Promise<number> {
  const all = values.all === true;
  return withDataDirStore(
    config,
    async (store) => {
      const pulls = await store.pulls.listWatched({ open: !all });
      const views = pulls.map((pull) => pullView(pull, config.pulls.fixAttempts));
      io.stdout.write(values.json === true ? `${JSON.stringify(views, null, 2)}\n` : formatPullTable(views, { all }));
      return 0;
    },
    io,
  );
}

/**
 * One worker of a multi-worker flow test, in a process of its own: the real service (intake,
 * dispatch, store on PostgreSQL, leases, leadership) from the config file argv[2], with a
 * recording job runner in place of worktree and agent. Each run appends a `start` and an `end`
 * line (JSON: worker, job, key, comment ids, time) to the file argv[3] and takes 10–50 ms.
 * Prints `LISTENING <url> <worker id>` when it listens; SIGTERM closes it.
 */
import { appendFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/lib/logger.js';
import { startService } from '../../src/main.js';
import type { AgentRunner } from '../../src/queue/ports.js';
import { workKeyString } from '../../src/core/work-key.js';

const [configPath, logPath] = process.argv.slice(2);
if (!configPath || !logPath) throw new Error('usage: worker-child <config.yaml> <runs.log>');
const loaded = loadConfig({ path: configPath, env: process.env, cwd: process.cwd() });
if (!loaded.ok) throw new Error(JSON.stringify(loaded.error));

let workerId = '?';
const line = (fields: Record<string, unknown>) =>
  appendFileSync(logPath, `${JSON.stringify({ worker: workerId, at: Date.now(), ...fields })}\n`);
const runner: AgentRunner = {
  async run(request) {
    const comments = request.events.flatMap((e) => (e.event.type === 'comment' ? [e.event.comment.id] : []));
    line({ phase: 'start', job: request.jobId, key: workKeyString(request.key), comments });
    await sleep(10 + Math.random() * 40);
    line({ phase: 'end', job: request.jobId, key: workKeyString(request.key) });
    return { ok: true };
  },
};

const service = await startService({
  config: loaded.value,
  log: createLogger({ level: 'warn' }),
  env: process.env,
  jobRunner: runner,
});
workerId = service.workerId;
process.stdout.write(`LISTENING ${service.url} ${service.workerId}\n`);
process.on('SIGTERM', () => {
  void service.close().then(() => process.exit(0));
});

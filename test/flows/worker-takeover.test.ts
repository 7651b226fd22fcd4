/**
 * A worker dies mid-run (docs/decisions.md §31): three `claude-hooks serve` processes on one PostgreSQL, the
 * real Claude runner against the scripted model, the forge double. Worker A starts dev's run and
 * is SIGKILLed (with its runtime) while a tool runs; once A's lease has passed, another worker
 * finishes A's run record as interrupted (its status comment says the job moved), takes the job
 * and resumes the **same session** in a worktree of its own. Skipped, loudly, without
 * CLAUDE_HOOKS_TEST_DATABASE_URL.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startScene, WEBHOOK_SECRET, type Scene } from '../support/flow.js';
import {
  bash,
  dialogue,
  startScriptedModel,
  text,
  textsOf,
  type ScriptedModel,
  type TurnRequest,
} from '../support/model/index.js';
import { createSchema, dropSchema, freshSchemaName, postgresSkip, queryIn, urlInSchema } from '../support/postgres.js';
import { CLI } from '../support/service-process.js';
import { until } from '../support/wait.js';
import { createWorkerProcesses, type WorkerProcess } from '../support/workers/worker-processes.js';

const ADMIN = 'takeover-admin';

describe('a worker killed mid-run', { skip: postgresSkip() }, () => {
  const root = mkdtempSync(join(tmpdir(), 'claude-hooks-takeover-'));
  const schema = freshSchemaName('takeover');
  const processes = createWorkerProcesses(root);
  let scene: Scene;
  let model: ScriptedModel;
  let a: WorkerProcess;
  let others: WorkerProcess[];
  let firstTurn: TurnRequest;
  let resumedTurn: TurnRequest;
  let issue: number;

  const turns = () => model.requests.filter((r): r is TurnRequest => r.kind === 'turn');

  const start = (name: string) =>
    processes.start({
      name,
      yaml: (dataDir) => `
server: { port: 0 }
dataDir: ${JSON.stringify(dataDir)}
adminToken: { env: TAKEOVER_ADMIN }
store: { postgres: { url: { env: DATABASE_URL }, leaseSeconds: 2, maxConnections: 4 } }
model: { name: claude-sonnet-4-5, credential: { env: TAKEOVER_MODEL_KEY }, baseUrl: ${JSON.stringify(model.url)} }
forge:
  kind: forgejo
  url: ${scene.forge.url}
  webhookSecret: { env: FLOW_WEBHOOK_SECRET }
  repositories: [acme/widget]
dispatch: { allowUsers: [alice], backoffSeconds: 0.05, pollIntervalSeconds: 3600 }
agents:
  dev:
    login: dev
    token: { env: DEV_TOKEN }
    git: { name: Dev, email: dev@agents.test }
    skill: ${JSON.stringify(join(root, 'dev.md'))}
    worktree: issue-branch
    triggers: [{ on: mention }]
`,
      env: {
        DATABASE_URL: urlInSchema(schema),
        FLOW_WEBHOOK_SECRET: WEBHOOK_SECRET,
        TAKEOVER_ADMIN: ADMIN,
        TAKEOVER_MODEL_KEY: 'scripted-model-key',
        DEV_TOKEN: scene.tokens.dev!,
        CLAUDE_HOOKS_LOG_LEVEL: 'warn',
      },
      argv: (config) => [CLI, 'serve', '--config', config],
      ready: (_output, dataDir) => {
        const file = join(dataDir, 'service.url');
        return existsSync(file) ? { url: readFileSync(file, 'utf8').trim(), id: '' } : undefined;
      },
    });

  before(async () => {
    await createSchema(schema);
    scene = await startScene();
    model = await startScriptedModel();
    writeFileSync(join(root, 'dev.md'), '# You are dev\n');
    // Run 1 asks for a tool that takes long: the worker is killed while it runs.
    // (a loop waiting for a file that never comes: the runtime refuses a plain long `sleep`).
    // The runtime runs a tool in a session of its own, so killing the worker's process group leaves
    // the loop running: it also ends when the test's folder is gone, and `after` ends it first.
    model.setScript([
      bash(`while [ ! -f ${join(root, 'never')} ] && [ -d ${root} ]; do sleep 0.2; done`, 'Wait for the build'),
      text('Picked up where the other worker stopped.'),
    ]);
    a = await start('a');
    scene.forge.setWebhookUrl(`${a.url}/webhook`);
    issue = (await scene.forge.as('alice').openIssue('acme/widget', { title: 'Login fails for names with spaces' }))
      .number;
    await scene.forge.as('alice').comment('acme/widget', issue, '@dev please fix the login form');
    firstTurn = await until(() => turns()[0], 'worker A to ask the model', 60_000);
    others = await Promise.all([start('b'), start('c')]);
    // The tool is running on A (its answer asked for it): kill A, runtime and all.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.equal(turns().length, 1, 'run 1 is still in its tool when A is killed');
    await a.kill();
    resumedTurn = await until(() => turns()[1], 'another worker to resume the session', 90_000);
  });

  after(async () => {
    writeFileSync(join(root, 'never'), ''); // ends the tool loop A's runtime left behind
    await processes.stopAll();
    await model?.close();
    await scene?.forge.close();
    await dropSchema(schema);
    rmSync(root, { recursive: true, force: true });
  });

  it("resumes the same session on another worker: the model sees run 1's conversation under the same session id", () => {
    const sessionId = firstTurn.headers['x-claude-code-session-id'];
    assert.match(sessionId ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(resumedTurn.headers['x-claude-code-session-id'], sessionId);
    const messages = dialogue(resumedTurn.body);
    assert.match(textsOf(messages[0]!).join(''), /please fix the login form/);
    assert.ok(
      messages.length > dialogue(firstTurn.body).length,
      "the resumed request carries run 1's messages and more",
    );
  });

  it('runs the job on another worker, in a worktree of its own, and finishes it there', async () => {
    const job = await until(
      async () => {
        const [row] = await queryIn<{ state: string; worker_id: string; attempts: number }>(
          schema,
          "SELECT state, worker_id, attempts FROM jobs WHERE agent = 'dev'",
        );
        return row?.state === 'succeeded' ? row : undefined;
      },
      'the job to succeed',
      60_000,
    );
    const [session] = await queryIn<{ worktree: string; session_id: string }>(
      schema,
      "SELECT worktree, session_id FROM sessions WHERE agent = 'dev'",
    );
    const [taker] = await queryIn<{ data_dir: string }>(schema, 'SELECT data_dir FROM workers WHERE id = $1', [
      job.worker_id,
    ]);

    assert.ok(
      others.some((w) => w.dataDir === taker?.data_dir),
      `the job ran on ${taker?.data_dir}, not on B or C`,
    );
    assert.equal(job.attempts, 2);
    assert.ok(session?.worktree.startsWith(taker!.data_dir), session?.worktree);
    assert.equal(session?.session_id, firstTurn.headers['x-claude-code-session-id']);
  });

  it('closes run 1 as interrupted, saying the job moved to another worker; run 2 carries on in the same status comment', async () => {
    const runs = await until(
      async () => {
        const rows = await queryIn<{ outcome: string | null; error: string | null; session: string | null }>(
          schema,
          "SELECT outcome, error, session FROM runs WHERE agent = 'dev' ORDER BY id",
        );
        return rows.length === 2 && rows.every((r) => r.outcome !== null) ? rows : undefined;
      },
      'both runs to be finished',
      30_000,
    );
    assert.deepEqual(
      runs.map((r) => [r.outcome, r.session]),
      [
        ['interrupted', null],
        ['succeeded', 'resumed'],
      ],
    );
    assert.match(runs[0]!.error ?? '', /moved to another worker/);
    // One job, one status comment: the retry found run 1's by its marker and edited it.
    const statuses = scene.forge
      .comments('acme/widget', issue)
      .filter((c) => c.author === 'dev' && c.body.includes('claude-hooks:status'))
      .map((c) => c.body);
    assert.equal(statuses.length, 1, statuses.join('\n---\n'));
    assert.match(statuses[0]!, /✅ \*\*dev\*\* finished/);
  });
});

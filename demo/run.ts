/**
 * `npm run demo [-- --once]`: the whole system on one machine. The forge double with a small real
 * repository, the scripted model, and the real service (with the real Claude runner) with a throw-away data dir; then a story
 * told as people would live it, each step checked. Without `--once` it stays up (forge, service,
 * jobs API) until Ctrl-C, then removes its temporary files. With `--once` it exits 0 only when
 * every step happened, non-zero naming the first step that did not. Ctrl-C or SIGTERM at any
 * moment — during the story too — stops everything and removes the temporary files.
 */
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createLogger } from '../src/lib/logger.js';
import { ADMIN_TOKEN, startFlow } from '../test/support/flow.js';
import { storyResponder } from '../test/support/agent/story-model.js';
import { startScriptedModel } from '../test/support/model/index.js';
import { playStory } from './story.js';

const USAGE = `usage: npm run demo [-- --once] [-- --verbose]

Plays a story through the real service, a forge double and the scripted model, all on this machine.

  --once       exit when the story is told: 0 when every step happened, 1 naming the first that did not
  --verbose    the service's log lines too
  -h, --help   this text

Without --once the service stays up to look around; Ctrl-C (or SIGTERM) stops it and removes the
temporary files.`;

const say = (line: string) => process.stdout.write(`${line}\n`);

let values: { once?: boolean; verbose?: boolean; help?: boolean };
try {
  ({ values } = parseArgs({
    options: { once: { type: 'boolean' }, verbose: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  }));
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
  process.exit(2);
}
if (values.help) {
  say(USAGE);
  process.exit(0);
}

/** Releases, registered as each resource is made, run last-in first-out, once. */
const releases: Array<() => Promise<void> | void> = [];
let cleaning: Promise<void> | undefined;
const cleanup = (): Promise<void> =>
  (cleaning ??= (async () => {
    for (const release of releases.reverse()) {
      try {
        await release();
      } catch {
        // keep releasing the rest: the temporary folders must go
      }
    }
  })());

let starting: Promise<unknown> = Promise.resolve();
const stopOn = (signal: NodeJS.Signals) => {
  say(`\n${signal}: stopping and removing the temporary files…`);
  // Wait for a resource being made to exist, so that its release is registered, then release all.
  void starting
    .catch(() => undefined)
    .then(cleanup)
    .then(() => process.exit(signal === 'SIGINT' ? 130 : 143));
};
process.once('SIGINT', stopOn);
process.once('SIGTERM', stopOn);

async function main(): Promise<number> {
  // The real Claude runner (real SDK and runtime) against a model that plays each agent's part.
  const model = await (starting = startScriptedModel({ respond: storyResponder() }));
  releases.push(() => model.close());
  const flow = await (starting = startFlow({
    modelUrl: model.url,
    log: createLogger({ level: values.verbose ? 'info' : 'silent' }),
  }));
  releases.push(async () => {
    await flow.close();
    rmSync(flow.dataDir, { recursive: true, force: true });
  });
  if (cleaning !== undefined) return 143;

  say('claude-hooks demo');
  say(
    `  forge double     ${flow.forge.url}  (repository acme/widget; people: alice, mallory; agents: boss, dev, reviewer)`,
  );
  say(`  scripted model   ${model.url}`);
  say(`  service          ${flow.service.url}  (data dir ${flow.dataDir})`);
  say('');

  const result = await playStory(flow, say);
  if (cleaning !== undefined) return 143;
  say('');
  if (!result.ok) {
    say(`✗ step failed: ${result.failed}`);
    return 1;
  }
  say(`✓ all ${result.steps} steps happened`);
  if (values.once) return 0;

  say('');
  say('The service is still running. Look around:');
  say(`  dashboard    ${flow.service.url}/  (open it in a browser and sign in with the admin token)`);
  say(
    `  admin token  ${ADMIN_TOKEN}  (the demo service's adminToken, fixed in test/support/flow.ts; the API calls below send it too)`,
  );
  say(`  jobs         curl -H 'Authorization: Bearer ${ADMIN_TOKEN}' ${flow.service.url}/api/jobs`);
  say(`  runs         curl -H 'Authorization: Bearer ${ADMIN_TOKEN}' ${flow.service.url}/api/runs`);
  say(`  metrics      curl ${flow.service.url}/metrics`);
  say(`  readiness    curl ${flow.service.url}/readyz`);
  say(
    `  the forge    curl ${flow.forge.apiUrl}/repos/acme/widget/issues/1/comments -H 'Authorization: token ${flow.tokens.alice}'`,
  );
  say(`  worktrees    ls ${flow.dataDir}/workdirs`);
  say('Ctrl-C stops everything and removes the temporary files.');
  await new Promise(() => setInterval(() => undefined, 1 << 30)); // until a signal
  return 0;
}

main().then(
  async (code) => {
    if (cleaning !== undefined) return; // a signal stopped the story: its handler cleans up and exits
    await cleanup();
    process.exit(code);
  },
  async (error: unknown) => {
    // A signal closes the flow under the story, which then fails: the signal handler exits.
    if (cleaning !== undefined) return;
    process.stderr.write(`demo failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    await cleanup();
    process.exit(1);
  },
);

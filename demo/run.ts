/**
 * `npm run demo [-- --once]`: the whole system on one machine. The forge double with a small real
 * repository, the scripted model, and the real service with a throw-away data dir; then a story
 * told as people would live it, each step checked. Without `--once` it stays up (forge, service,
 * jobs API) until Ctrl-C, then removes its temporary files. With `--once` it exits 0 only when
 * every step happened, non-zero naming the first step that did not.
 */
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createLogger } from '../src/lib/logger.js';
import { ADMIN_TOKEN, startFlow } from '../test/support/flow.js';
import { startScriptedModel } from '../test/support/model/index.js';
import { createDemoRunner } from './demo-runner.js';
import { playStory } from './story.js';

const { values } = parseArgs({ options: { once: { type: 'boolean' }, verbose: { type: 'boolean' } } });
const say = (line: string) => process.stdout.write(`${line}\n`);

const model = await startScriptedModel();
const demo = createDemoRunner({ modelUrl: model.url, model });
const flow = await startFlow({ runner: demo.runner, log: createLogger({ level: values.verbose ? 'info' : 'silent' }) });
demo.setForge(flow.forge.url);
const cleanup = async () => {
  await flow.close();
  await model.close();
  rmSync(flow.dataDir, { recursive: true, force: true });
  demo.cleanup();
};

say('claude-hooks demo');
say(`  forge double     ${flow.forge.url}  (repository acme/widget; people: alice, mallory; agents: boss, dev, reviewer)`);
say(`  scripted model   ${model.url}`);
say(`  service          ${flow.service.url}  (data dir ${flow.dataDir})`);
say('');

const result = await playStory(flow, say);
say('');
if (!result.ok) {
  say(`✗ step failed: ${result.failed}`);
  await cleanup();
  process.exit(1);
}
say(`✓ all ${result.steps} steps happened`);
if (values.once) {
  await cleanup();
  process.exit(0);
}

say('');
say('The service is still running. Look around:');
say(`  jobs         curl -H 'Authorization: Bearer ${ADMIN_TOKEN}' ${flow.service.url}/api/jobs`);
say(`  metrics      curl ${flow.service.url}/metrics`);
say(`  readiness    curl ${flow.service.url}/readyz`);
say(`  the forge    curl ${flow.forge.apiUrl}/repos/acme/widget/issues/1/comments -H 'Authorization: token ${flow.tokens.alice}'`);
say(`  worktrees    ls ${flow.dataDir}/workdirs`);
say('Ctrl-C stops everything and removes the temporary files.');
process.once('SIGINT', () => {
  say('\nstopping…');
  void cleanup().then(() => process.exit(0));
});
setInterval(() => undefined, 1 << 30);

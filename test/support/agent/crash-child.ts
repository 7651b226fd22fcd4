/**
 * A process that runs one dev job with the Claude runner and is killed mid-run by its test
 * (SIGKILL to its process group): proves the session id is stored at `init`, before the run ends.
 * Argument: JSON `{ dataDir, configDir, home, cwd, modelUrl, issue, isolation? }` (isolation `bwrap` unless given).
 */
import { createClaudeRunner } from '../../../src/agent/claude/claude-runner.js';
import { systemClock } from '../../../src/lib/clock.js';
import { silentLogger } from '../../../src/lib/logger.js';
import type { IsolationKind } from '../../../src/sandbox/isolation.js';
import { openStore } from '../../../src/store/open-store.js';
import { crashAgent, crashRequest } from './crash-request.js';
import { anyoneMayTrigger, testIsolation } from './isolation.js';
import { simplePrompts } from './simple-prompts.js';

const input = JSON.parse(process.argv[2] ?? '{}') as {
  dataDir: string;
  configDir: string;
  home: string;
  cwd: string;
  modelUrl: string;
  issue: number;
  isolation?: IsolationKind;
};
const store = await openStore({ kind: 'sqlite' }, { dataDir: input.dataDir, clock: systemClock, dedupWindowMs: 0 });
const runner = createClaudeRunner({
  sessions: store.sessions,
  runs: store.runs,
  prompts: simplePrompts(),
  configDir: input.configDir,
  baseEnv: { PATH: process.env.PATH, HOME: input.home },
  isolation: testIsolation(input.dataDir, input.isolation),
  trigger: anyoneMayTrigger(),
  readSkill: async () => 'You are a test agent.',
  // A status comment "posted" as the run starts: its id must be stored before the run ends.
  status: () => ({ commentId: 4242, update: async () => undefined }),
  clock: systemClock,
  log: silentLogger(),
});
await runner.run(crashRequest(crashAgent(input.modelUrl), input.cwd, input.issue, 'please start'));

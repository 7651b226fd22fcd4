import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { capturingLogger } from '../../test/support/capturing-logger.js';
import { loadConfig } from '../config/load-config.js';
import { logConfigWarnings } from './config-warnings.js';

/** A config whose dev agent has `token` and its worktree kind under `key`. */
function loaded(token: string, key: 'worktree' | 'workspace') {
  const dir = mkdtempSync(join(tmpdir(), 'claude-hooks-warnings-'));
  writeFileSync(join(dir, 'skill.md'), 'skill');
  writeFileSync(
    join(dir, 'claude-hooks.yaml'),
    `forge: { url: "https://forge.example.com" }\nagents:\n  dev: { login: dev, token: ${token}, git: { name: X, email: x@x.org }, skill: skill.md, ${key}: issue-branch, triggers: [{ on: assigned }] }\n`,
  );
  const result = loadConfig({
    env: { DEV_TOKEN: 'from-the-environment', CLAUDE_HOOKS_WEBHOOK_SECRET: 'hook-secret' },
    cwd: dir,
  });
  assert.ok(result.ok, JSON.stringify(!result.ok && result.error));
  return result.value;
}

describe('the warnings serve logs at start-up, as config check prints them', () => {
  it('names a secret written in the file and a key under its old name, never the secret', () => {
    const { log, lines } = capturingLogger();

    logConfigWarnings(loaded('{ value: hunter2-in-the-file }', 'workspace'), log);

    assert.deepEqual(
      lines.map((line) => [line.level, line.key]),
      [
        ['warn', 'agents.dev.token'],
        ['warn', 'agents.dev.workspace'],
      ],
    );
    assert.match(String(lines[0]!.msg), /written in the config file itself/);
    assert.match(String(lines[1]!.msg), /agents\.dev\.workspace is now agents\.dev\.worktree/);
    assert.ok(!JSON.stringify(lines).includes('hunter2'), 'the secret itself is never logged');
  });

  it('says nothing about a configuration with neither', () => {
    const { log, lines } = capturingLogger();

    logConfigWarnings(loaded('{ env: DEV_TOKEN }', 'worktree'), log);

    assert.deepEqual(lines, []);
  });
});

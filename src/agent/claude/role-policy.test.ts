import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isReadOnlyCommand, permissionsFor, roleOf } from './permissions.js';

describe('the agents\' permission policy', () => {
  it('tells read-only commands from ones a shell could turn into a write', () => {
    const cases: ReadonlyArray<[string, boolean]> = [
      ['git log --oneline -5', true],
      ['git diff main...HEAD -- src', true],
      ['grep -rn login src | head -20', true],
      ['ls -la', true],
      ['find . -name "*.ts"', true],
      ['git commit -am x', false],
      ['git branch new-one', false],
      ['git diff --output=x', false],
      ['cat a > b', false],
      ['ls; rm -rf .', false],
      ['echo $(touch x)', false],
      ['find . -delete', false],
      ['find . -exec rm {} +', false],
      ['touch x', false],
      ['rm x', false],
      ['', false],
    ];

    assert.deepEqual(cases.map(([command]) => [command, isReadOnlyCommand(command)]), cases);
  });

  it('lets dev edit, write and run commands, and boss and reviewer only read', async () => {
    const dev = permissionsFor(roleOf('issue-branch'), ['mcp__forge__comment']);
    const reviewer = permissionsFor(roleOf('pr-head'), ['mcp__forge__review']);

    const signal = new AbortController().signal;
    const asks = async (tool: string, input: Record<string, unknown> = {}) => (await reviewer.canUseTool?.(tool, input, { signal, toolUseID: 't' } as never))?.behavior;

    assert.ok(['Edit', 'Write', 'Bash', 'mcp__forge__comment'].every((tool) => dev.allowedTools?.includes(tool)));
    assert.deepEqual([dev.permissionMode, dev.permissionPrompts, dev.canUseTool], ['default', 'none', undefined]);
    assert.deepEqual(reviewer.allowedTools, []);
    assert.ok(['Edit', 'Write', 'WebFetch'].every((tool) => reviewer.disallowedTools?.includes(tool)));
    assert.deepEqual(
      [await asks('Read'), await asks('mcp__forge__review'), await asks('Bash', { command: 'git log' }), await asks('Bash', { command: 'rm -rf .' }), await asks('Edit')],
      ['allow', 'allow', 'allow', 'deny', 'deny'],
    );
  });

  it('loads no settings for the reviewer (the PR controls them) and the project\'s for boss and dev', () => {
    assert.deepEqual(permissionsFor('reviewer', []).settingSources, []);
    assert.deepEqual(permissionsFor('boss', []).settingSources, ['project']);
    assert.deepEqual(permissionsFor('dev', []).settingSources, ['project']);
  });
});

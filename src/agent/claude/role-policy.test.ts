import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EDIT_TOOLS, ROLE_POLICY, ROLES } from '../../config/roles.js';
import { isReadOnlyCommand, sdkPolicyFor } from './role-policy.js';

describe('the role policy', () => {
  it('tells read-only commands from ones a shell could turn into a write or another program', () => {
    const cases: ReadonlyArray<[string, boolean]> = [
      ['git log --oneline -5', true],
      ['git diff main...HEAD -- src', true],
      ['grep -rn login src | head -20', true],
      ['ls -la', true],
      ['find . -name "*.ts"', true],
      ['git commit -am x', false],
      ['git branch new-one', false],
      ['git diff --output=x', false],
      ['git diff --ext-diff', false],
      ['git grep -Oevil login', false],
      ['git grep --open-files-in-pager=sh login', false],
      ['rg --pre ./evil login', false],
      ['cat a > b', false],
      ['ls; rm -rf .', false],
      ['echo $(touch x)', false],
      ['find . -delete', false],
      ['find . -exec rm {} +', false],
      ['touch x', false],
      ['rm x', false],
      ['', false],
    ];

    assert.deepEqual(
      cases.map(([command]) => [command, isReadOnlyCommand(command)]),
      cases,
    );
  });

  it('gives each role exactly its tools, and no role a cross-session, subagent or scheduling tool', () => {
    const dev = sdkPolicyFor({ role: 'implementer', agent: {}, forgeTools: ['mcp__forge__comment'], sandboxed: true });
    const reviewer = sdkPolicyFor({
      role: 'reviewer',
      agent: {},
      forgeTools: ['mcp__forge__submit_review'],
      sandboxed: true,
    });

    assert.deepEqual(dev.tools, ROLE_POLICY.implementer.tools);
    assert.ok(['Edit', 'Write', 'Bash', 'mcp__forge__comment'].every((tool) => dev.allowedTools?.includes(tool)));
    assert.ok(!(reviewer.tools as string[]).includes('Edit'));
    for (const policy of [dev, reviewer]) {
      assert.ok(
        ['SendMessage', 'ListAgents', 'Agent', 'Task', 'Workflow', 'ScheduleWakeup', 'WebFetch', 'WebSearch'].every(
          (tool) => policy.disallowedTools?.includes(tool),
        ),
      );
      assert.ok(
        !(policy.tools as string[]).some((tool) =>
          ['SendMessage', 'Agent', 'Task', 'Workflow', 'ScheduleWakeup'].includes(tool),
        ),
      );
    }
  });

  it('loads no settings, CLAUDE.md or MCP servers from any file, for every role', () => {
    for (const role of ROLES) {
      const policy = sdkPolicyFor({ role, agent: {}, forgeTools: [], sandboxed: true });

      assert.deepEqual([policy.settingSources, policy.strictMcpConfig], [[], true]);
    }
  });

  it('gives web tools only to an agent configured with them', () => {
    const policy = sdkPolicyFor({ role: 'planner', agent: { webTools: true }, forgeTools: [], sandboxed: true });

    assert.ok(
      ['WebFetch', 'WebSearch'].every(
        (tool) => (policy.tools as string[]).includes(tool) && !policy.disallowedTools?.includes(tool),
      ),
    );
  });

  it('lets sandboxed readers run any command, and filters their Bash only without a sandbox', async () => {
    const sandboxed = sdkPolicyFor({
      role: 'reviewer',
      agent: {},
      forgeTools: ['mcp__forge__submit_review'],
      sandboxed: true,
    });
    const bare = sdkPolicyFor({
      role: 'reviewer',
      agent: {},
      forgeTools: ['mcp__forge__submit_review'],
      sandboxed: false,
    });
    const signal = new AbortController().signal;
    const asks = async (tool: string, input: Record<string, unknown> = {}) =>
      (await bare.canUseTool?.(tool, input, { signal, toolUseID: 't' } as never))?.behavior;

    assert.ok(sandboxed.allowedTools?.includes('Bash'));
    assert.equal(sandboxed.canUseTool, undefined);
    assert.deepEqual(bare.allowedTools, []);
    assert.deepEqual(
      [
        await asks('Read'),
        await asks('mcp__forge__submit_review'),
        await asks('Bash', { command: 'git log' }),
        await asks('Bash', { command: 'rm -rf .' }),
        await asks('Edit'),
      ],
      ['allow', 'allow', 'allow', 'deny', 'deny'],
    );
  });

  it("offers each role exactly its table row's tools, and denies the editing tools by name to a role that does not write", () => {
    for (const role of ROLES) {
      const policy = sdkPolicyFor({ role, agent: {}, forgeTools: [], sandboxed: true });

      assert.deepEqual(policy.tools, ROLE_POLICY[role].tools, role);
      assert.equal(
        EDIT_TOOLS.every((tool) => policy.disallowedTools?.includes(tool)),
        !ROLE_POLICY[role].writes,
        role,
      );
    }
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EDIT_TOOLS, ROLE_POLICY, ROLES, roleWorkingIn } from './roles.js';
import { worktreeSchema } from './schema.js';

describe('the role policy table', () => {
  it('has one role for each kind of worktree, and reads it back from the kind', () => {
    const kinds = worktreeSchema.options;

    assert.deepEqual(kinds.map(roleWorkingIn), ['planner', 'implementer', 'reviewer']);
    assert.deepEqual(ROLES.map((role) => ROLE_POLICY[role].worktree).sort(), [...kinds].sort());
  });

  it('lets only the implementer write its worktree, push its branch, edit files and open pull requests', () => {
    const table = ROLES.map((role) => {
      const policy = ROLE_POLICY[role];
      return [
        role,
        policy.writes,
        policy.pushes,
        EDIT_TOOLS.some((tool) => policy.tools.includes(tool)),
        policy.forgeTools.includes('open_pull_request'),
      ];
    });

    assert.deepEqual(table, [
      ['planner', false, false, false, false],
      ['implementer', true, true, true, true],
      ['reviewer', false, false, false, false],
    ]);
  });

  it('gives each role the forge tools of its job: the planner files issues, the implementer asks for reviews, the reviewer submits them', () => {
    const table = ROLES.map((role) => [role, ROLE_POLICY[role].forgeTools]);

    assert.deepEqual(table, [
      ['planner', ['comment', 'create_issue', 'set_dependencies', 'add_labels', 'remove_labels', 'read_thread']],
      [
        'implementer',
        [
          'comment',
          'open_pull_request',
          'request_review',
          'answer_review_comment',
          'add_labels',
          'remove_labels',
          'read_thread',
        ],
      ],
      ['reviewer', ['comment', 'submit_review', 'read_thread']],
    ]);
  });

  it("sends only the implementer's pull requests back to their issue, and gives each role its own account of its job in the prompt", () => {
    const table = ROLES.map((role) => [role, ROLE_POLICY[role].pullsBelongToIssue, ROLE_POLICY[role].conventions]);

    assert.deepEqual(table, [
      ['planner', false, 'plan'],
      ['implementer', true, 'implement'],
      ['reviewer', false, 'review'],
    ]);
  });

  it('loads no settings for any role, and reaches the network only through the service', () => {
    for (const role of ROLES) {
      assert.deepEqual(
        [ROLE_POLICY[role].settings, ROLE_POLICY[role].network],
        ['none', 'service-and-allow-list'],
        role,
      );
    }
  });
});

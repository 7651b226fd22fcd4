/**
 * Which forge tools an agent gets, by the kind of worktree it works in — its role. The boss plans
 * (issues, labels), the dev delivers (a PR and its review request), the reviewer judges (a
 * review); each can talk and read on its own issue or PR, and boss and dev can label it.
 */
import type { Workspace } from '../../config/schema.js';

export type ForgeToolName =
  | 'comment'
  | 'create_issue'
  | 'open_pull_request'
  | 'request_review'
  | 'submit_review'
  | 'add_labels'
  | 'remove_labels'
  | 'read_thread';

export const TOOLS_BY_WORKSPACE: Readonly<Record<Workspace, readonly ForgeToolName[]>> = {
  'default-branch': ['comment', 'create_issue', 'add_labels', 'remove_labels', 'read_thread'],
  'issue-branch': ['comment', 'open_pull_request', 'request_review', 'add_labels', 'remove_labels', 'read_thread'],
  // No labels: `init` gives the reviewer read access (its approval then never counts towards a merge), and a reader cannot label.
  'pr-head': ['comment', 'submit_review', 'read_thread'],
};

/** The MCP server's name; the SDK calls its tools `mcp__forge__<tool>`. */
export const FORGE_SERVER = 'forge';

export const qualified = (name: ForgeToolName): string => `mcp__${FORGE_SERVER}__${name}`;

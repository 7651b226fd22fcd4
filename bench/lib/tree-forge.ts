/**
 * A forge client for the milestones benchmark that never leaves the process: one repository, a
 * tracking issue opted in by its label and the stories of a generated tree, each with its
 * `## Dependencies` footer; everyone may write; the tracking issue's edits are recorded with
 * the time each was made, which is when a person would see it. Any other call fails loudly.
 */
import type { IssueRef, RepoRef } from '../../src/core/events.js';
import { ForgeApiError, type ForgeClient } from '../../src/forge/client.js';
import type { GraphInput } from '../../src/milestones/graph.js';
import { renderFooter } from '../../src/milestones/dependencies.js';
import { permissiveForge } from './permissive-forge.js';

export interface TreeForge {
  readonly client: ForgeClient;
  readonly tracking: IssueRef;
  /** Each edit of an issue's body: when, which issue, the body written. */
  readonly edits: Array<{ readonly at: number; readonly number: number; readonly body: string }>;
}

export function treeForge(repo: RepoRef, tree: GraphInput, label: string, onEdit: () => void = () => {}): TreeForge {
  const at = '2026-12-01T00:00:00Z';
  const issue = (number: number, title: string, body: string, labels: string[] = []): IssueRef => ({
    number,
    title,
    body,
    author: { login: 'alice', id: 2 },
    state: 'open',
    isPull: false,
    labels,
    assignees: [],
    updatedAt: at,
    createdAt: at,
  });
  const issues = new Map<number, IssueRef>();
  const tracking = issue(tree.tracking, 'The milestone', 'Why we do this.', [label]);
  issues.set(tracking.number, tracking);
  for (const story of tree.stories)
    issues.set(
      story.number,
      issue(
        story.number,
        story.title,
        `The work.\n\n${renderFooter({ upstream: story.footerUpstream, tracking: tree.tracking })}`,
      ),
    );
  const edits: TreeForge['edits'] = [];
  const find = (number: number): IssueRef => {
    const found = issues.get(number);
    if (!found) throw new ForgeApiError('GET', `/issues/${number}`, 404, 'not found');
    return found;
  };
  const client: ForgeClient = {
    ...permissiveForge(),
    getRepository: async () => repo,
    getIssue: async (_repo, number) => find(number),
    listDependencies: async () => [],
    listIssuesUpdatedSince: async () => [...issues.values()],
    listPulls: async () => [],
    async editIssueBody(_repo, number, body) {
      const edited = { ...find(number), body };
      issues.set(number, edited);
      edits.push({ at: performance.now(), number, body });
      onEdit();
      return { ...edited, htmlUrl: '' };
    },
    createComment: async (_repo, _number, body) => ({
      id: 1,
      body,
      author: { login: 'boss', id: 3 },
      createdAt: at,
      updatedAt: at,
      htmlUrl: '',
    }),
  };
  return { client, tracking, edits };
}

/**
 * For the milestone driver's unit tests: a small structural fake of the forge ports it uses
 * (`src/tracking/ports.ts`) — issues, their native dependencies, open pull requests — that
 * records each call and can be told to fail; a real SQLite store in a temporary data dir; and
 * issue bodies with a `## Dependencies` footer.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IssueRef, PullRef } from '../../src/core/events.js';
import { ForgeApiError, type IssueDependency } from '../../src/forge/client.js';
import type { Clock } from '../../src/lib/clock.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/ports.js';
import type { IssueReader, MilestoneSettings, TrackingWriter } from '../../src/tracking/ports.js';
import { issueRef, REPO } from './events.js';

export const REPO_KEY = 'forge.test/acme/widget';

export const SETTINGS: MilestoneSettings = {
  label: 'milestone',
  repositories: [],
  stacking: false,
  maxInFlight: 2,
  planLabel: 'plan',
};

/** A story's body: some prose, then its footer linking to `tracking` with `upstream`. */
export function storyBody(upstream: readonly number[], tracking = 1, prose = 'Do the thing.'): string {
  const items = upstream.length === 0 ? ['- none'] : upstream.map((n) => `- #${n}`);
  return [prose, '', '## Dependencies', `Tracking: #${tracking}`, ...items].join('\n');
}

export interface FakeForge extends IssueReader, TrackingWriter {
  readonly issues: Map<number, IssueRef>;
  /** Native dependencies by issue; `unsupported` when the forge keeps none. */
  readonly dependencies: Map<number, readonly number[] | 'unsupported'>;
  readonly pulls: PullRef[];
  /** Every call, as `method #number`. */
  readonly calls: string[];
  readonly comments: Array<{ readonly number: number; readonly body: string }>;
  /** The next call of `method` fails with this status (0: no answer). */
  failNext(method: string, status: number): void;
  count(method: string): number;
}

export function fakeForge(): FakeForge {
  const issues = new Map<number, IssueRef>();
  const dependencies = new Map<number, readonly number[] | 'unsupported'>();
  const pulls: PullRef[] = [];
  const calls: string[] = [];
  const comments: Array<{ number: number; body: string }> = [];
  const failing = new Map<string, number>();
  const call = (method: string, number: number) => {
    calls.push(`${method} #${number}`);
    const status = failing.get(method);
    if (status === undefined) return;
    failing.delete(method);
    throw new ForgeApiError('GET', `/${method}/${number}`, status, 'failing as told');
  };
  const issue = (number: number): IssueRef => {
    const found = issues.get(number);
    if (!found) throw new ForgeApiError('GET', `/issues/${number}`, 404, 'not found');
    return found;
  };
  return {
    issues,
    dependencies,
    pulls,
    calls,
    comments,
    failNext: (method, status) => void failing.set(method, status),
    count: (method) => calls.filter((c) => c.startsWith(`${method} `)).length,
    async getIssue(_repo, number) {
      call('getIssue', number);
      return issue(number);
    },
    async listDependencies(_repo, number) {
      call('listDependencies', number);
      const found = dependencies.get(number) ?? [];
      if (found === 'unsupported') return 'unsupported';
      return found.map(
        (n): IssueDependency => ({ repo: REPO.fullName, number: n, state: issue(n).state, isPull: false }),
      );
    },
    async getRepository() {
      call('getRepository', 0);
      return REPO;
    },
    async listIssuesUpdatedSince() {
      call('listIssuesUpdatedSince', 0);
      return [...issues.values()];
    },
    async listPulls() {
      call('listPulls', 0);
      return pulls;
    },
    async editIssueBody(_repo, number, body) {
      call('editIssueBody', number);
      const edited = { ...issue(number), body };
      issues.set(number, edited);
      return { ...edited, htmlUrl: '' };
    },
    async createComment(_repo, number, body) {
      call('createComment', number);
      comments.push({ number, body });
      return { id: comments.length, body, author: { login: 'boss', id: 1 }, createdAt: '', updatedAt: '', htmlUrl: '' };
    },
  };
}

/** Puts issue `number` on the fake forge with `fields`. */
export function putIssue(forge: FakeForge, number: number, fields: Partial<IssueRef> = {}): IssueRef {
  const issue = issueRef(number, { title: `Story ${number}`, ...fields });
  forge.issues.set(number, issue);
  return issue;
}

export async function tempStore(clock: Clock): Promise<Store> {
  return openStore(
    { kind: 'sqlite' },
    { dataDir: mkdtempSync(join(tmpdir(), 'claude-hooks-tracking-')), clock, dedupWindowMs: 0 },
  );
}

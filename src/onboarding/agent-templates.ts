/**
 * What `claude-hooks init` knows about each agent it can set up: the access it needs on every
 * repository (docs/forge-setup.md, "Bot users"), its workspace, triggers and the label that
 * triggers it, and the scopes of its token ("Tokens"). The webhook events are the ones the
 * service handles (docs/forge-setup.md, "The webhook"), as Gitea's hook API names them.
 */
export interface AgentTemplate {
  readonly name: string;
  readonly fullName: string;
  readonly access: 'admin' | 'write';
  readonly workspace: 'default-branch' | 'issue-branch' | 'pr-head';
  /** Trigger kinds besides `label`. */
  readonly triggers: readonly string[];
  readonly label: string;
}

export const AGENT_TEMPLATES: readonly AgentTemplate[] = [
  { name: 'boss', fullName: 'Boss (claude-hooks)', access: 'admin', workspace: 'default-branch', triggers: ['issue_opened', 'mention'], label: 'agent/boss' },
  { name: 'dev', fullName: 'Dev (claude-hooks)', access: 'write', workspace: 'issue-branch', triggers: ['assigned', 'mention', 'pr_feedback'], label: 'agent/dev' },
  { name: 'reviewer', fullName: 'Reviewer (claude-hooks)', access: 'write', workspace: 'pr-head', triggers: ['review_requested', 'mention'], label: 'agent/reviewer' },
];

export const TOKEN_SCOPES = ['write:repository', 'write:issue', 'read:user'] as const;

/** Gitea's hook event names (`CreateHookOption.events`) for the events the service handles. */
export const HOOK_EVENTS = [
  'issues',
  'issue_assign',
  'issue_label',
  'issue_comment',
  'pull_request',
  'pull_request_assign',
  'pull_request_label',
  'pull_request_sync',
  'pull_request_review_request',
  'pull_request_review',
  'pull_request_comment',
  'delete',
  'push',
  'repository',
] as const;

/** Gitea lists a review hook's events as `pull_request_review_approved` etc. when read back. */
export function normaliseHookEvent(event: string): string {
  return /^pull_request_review_(approved|rejected|comment)$/.test(event) ? 'pull_request_review' : event;
}

export function missingHookEvents(events: readonly string[]): string[] {
  const have = new Set(events.map(normaliseHookEvent));
  return HOOK_EVENTS.filter((event) => !have.has(event));
}

export function templateOf(name: string): AgentTemplate | undefined {
  return AGENT_TEMPLATES.find((template) => template.name === name);
}

/** Whether `access` is at least what `needed` asks. */
export function accessSuffices(access: string, needed: 'admin' | 'write'): boolean {
  if (needed === 'admin') return access === 'admin' || access === 'owner';
  return access === 'write' || access === 'admin' || access === 'owner';
}

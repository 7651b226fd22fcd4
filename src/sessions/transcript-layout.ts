/**
 * Where sessions' transcripts lie under the service's `claude/` folder: each work key's runs have
 * `sessions/<key>/` as `CLAUDE_CONFIG_DIR` (the runtime writes `projects/<cwd>/<session>.jsonl`
 * there), and older releases kept every transcript in `projects/` directly. The one place that
 * knows it: the runner, housekeeping and the PostgreSQL import read it from here.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { WorkKey } from '../core/work-key.js';

/** The folder holding one folder per work key. */
export function sessionsFolder(claudeDir: string): string {
  return join(claudeDir, 'sessions');
}

/** The `CLAUDE_CONFIG_DIR` of one work key's runs: readable name, exact hash. */
export function sessionConfigDir(claudeDir: string, key: WorkKey): string {
  const readable = `${key.agent}-${key.repo.split('/').slice(-1)[0] ?? 'repo'}-${key.issue}`
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .slice(0, 60);
  const hash = createHash('sha256').update(`${key.agent}\0${key.repo}\0${key.issue}`).digest('hex').slice(0, 12);
  return join(sessionsFolder(claudeDir), `${readable}-${hash}`);
}

/** Every `projects` folder, given the key folders found in `sessionsFolder`: the shared one of older releases first. */
export function projectsFolders(claudeDir: string, keyFolders: readonly string[]): string[] {
  return [join(claudeDir, 'projects'), ...keyFolders.map((key) => join(sessionsFolder(claudeDir), key, 'projects'))];
}

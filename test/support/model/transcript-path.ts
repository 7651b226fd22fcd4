import { join } from 'node:path';

/**
 * Where the Claude Code runtime writes a session's transcript: under the project folder named
 * for the cwd the session *started* in (a resume from another cwd appends to the same file).
 */
export function transcriptPath(configDir: string, cwd: string, sessionId: string): string {
  return join(configDir, 'projects', cwd.replace(/[^A-Za-z0-9]/g, '-'), `${sessionId}.jsonl`);
}

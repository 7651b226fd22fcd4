/**
 * Session transcripts on disk, where the runner's `CLAUDE_CONFIG_DIR` puts them:
 * `<configDir>/projects/<cwd with non-alphanumerics as '-'>/<session id>.jsonl`, plus a
 * `<session id>/` folder for subagents. Housekeeping deletes them by path (the SDK's
 * `deleteSession` does the same, but throws when the file is already gone; deletion here must be
 * idempotent). A session id is a UUID; anything else is refused, so no path can escape.
 */
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { IdleTranscript, Transcripts } from '../../housekeeping/cleanup-actions.js';
import type { TranscriptStore } from '../../sessions/transcript-store.js';

const SESSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function createTranscripts(configDir: string): Transcripts {
  const projects = join(configDir, 'projects');
  return {
    async remove(sessionId, cwd) {
      if (!SESSION_ID.test(sessionId)) throw new Error(`not a session id: ${JSON.stringify(sessionId)}`);
      // The folder of the cwd the session ran in first; every project folder only if it is not there.
      const likely = cwd === undefined ? undefined : cwd.replace(/[^A-Za-z0-9]/g, '-');
      const found = likely !== undefined && (await stat(join(projects, likely, `${sessionId}.jsonl`)).then(() => true, () => false));
      const dirs = found ? [likely] : await readdir(projects).catch(() => [] as string[]);
      let bytes = 0;
      for (const dir of dirs) {
        const file = join(projects, dir, `${sessionId}.jsonl`);
        const size = await stat(file).then((s) => s.size, () => undefined);
        if (size === undefined) continue;
        bytes += size;
        await rm(file, { force: true });
        await rm(join(projects, dir, sessionId), { recursive: true, force: true });
      }
      return bytes;
    },

    async idle(before) {
      const found: IdleTranscript[] = [];
      for (const dir of await readdir(projects).catch(() => [] as string[])) {
        for (const name of await readdir(join(projects, dir)).catch(() => [] as string[])) {
          const sessionId = name.endsWith('.jsonl') ? name.slice(0, -'.jsonl'.length) : '';
          if (!SESSION_ID.test(sessionId)) continue;
          const path = join(projects, dir, name);
          const info = await stat(path).catch(() => undefined);
          if (info?.isFile() && info.mtimeMs < before) found.push({ sessionId, path, bytes: info.size });
        }
      }
      return found;
    },
  };
}

/**
 * Housekeeping's transcripts when they are also kept in the database (several workers): removal
 * takes a session's transcript from this worker's disk and from the database, and counts both.
 */
export function withStoredTranscripts(local: Transcripts, stored: TranscriptStore | undefined): Transcripts {
  if (!stored) return local;
  return {
    async remove(sessionId, cwd) {
      const onDisk = await local.remove(sessionId, cwd);
      return onDisk + (await stored.remove(sessionId));
    },
    idle: (before) => local.idle(before),
  };
}

/**
 * Session transcripts on disk, laid out as `sessions/transcript-layout.ts` says: one
 * `CLAUDE_CONFIG_DIR` per work key, so a run's sandbox binds its own session's files and no
 * other's (a shared folder let one agent append to another's transcript); a transcript is
 * `<config dir>/projects/<cwd with non-alphanumerics as '-'>/<session id>.jsonl`, plus a
 * `<session id>/` folder for subagents. Transcripts of older releases (under `<root>/projects/`)
 * are moved into their key's folder when the key next runs. Housekeeping deletes them by path
 * (the SDK's `deleteSession` does the same, but throws when the file is already gone; deletion
 * here must be idempotent). A session id is a UUID; anything else is refused, so no path can escape.
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { projectsFolders, sessionsFolder } from '../../sessions/transcript-layout.js';
import type { IdleTranscript, Transcripts } from '../../housekeeping/cleanup-actions.js';
import type { TranscriptStore } from '../../sessions/transcript-store.js';

const SESSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `configDir` holds the session's transcript (the runtime finds it under any project folder). */
export function transcriptIn(configDir: string, sessionId: string): boolean {
  const projects = join(configDir, 'projects');
  if (!existsSync(projects)) return false;
  return readdirSync(projects).some((folder) => existsSync(join(projects, folder, `${sessionId}.jsonl`)));
}

/**
 * Moves a transcript written before per-key folders (`<root>/projects/…`) into its key's folder;
 * answers whether there was one.
 */
export async function adoptSharedTranscript(root: string, configDir: string, sessionId: string): Promise<boolean> {
  if (!SESSION_ID.test(sessionId)) return false;
  const shared = join(root, 'projects');
  let moved = false;
  for (const folder of await readdir(shared).catch(() => [] as string[])) {
    const file = join(shared, folder, `${sessionId}.jsonl`);
    if (!existsSync(file)) continue;
    await mkdir(join(configDir, 'projects', folder), { recursive: true });
    await rename(file, join(configDir, 'projects', folder, `${sessionId}.jsonl`));
    if (existsSync(join(shared, folder, sessionId)))
      await rename(join(shared, folder, sessionId), join(configDir, 'projects', folder, sessionId));
    moved = true;
  }
  return moved;
}

export function createTranscripts(root: string): Transcripts {
  return {
    async remove(sessionId, cwd) {
      if (!SESSION_ID.test(sessionId)) throw new Error(`not a session id: ${JSON.stringify(sessionId)}`);
      let bytes = 0;
      // The folder of the cwd the session ran in first; every project folder only if it is not there.
      const likely = cwd === undefined ? undefined : cwd.replace(/[^A-Za-z0-9]/g, '-');
      for (const projects of await projectRoots(root)) {
        const found =
          likely !== undefined &&
          (await stat(join(projects, likely, `${sessionId}.jsonl`)).then(
            () => true,
            () => false,
          ));
        const dirs = found ? [likely] : await readdir(projects).catch(() => [] as string[]);
        for (const dir of dirs) {
          const file = join(projects, dir, `${sessionId}.jsonl`);
          const size = await stat(file).then(
            (s) => s.size,
            () => undefined,
          );
          if (size === undefined) continue;
          bytes += size;
          await rm(file, { force: true });
          await rm(join(projects, dir, sessionId), { recursive: true, force: true });
        }
      }
      return bytes;
    },

    async idle(before) {
      const found: IdleTranscript[] = [];
      for (const projects of await projectRoots(root)) {
        for (const dir of await readdir(projects).catch(() => [] as string[])) {
          for (const name of await readdir(join(projects, dir)).catch(() => [] as string[])) {
            const sessionId = name.endsWith('.jsonl') ? name.slice(0, -'.jsonl'.length) : '';
            if (!SESSION_ID.test(sessionId)) continue;
            const path = join(projects, dir, name);
            const info = await stat(path).catch(() => undefined);
            if (info?.isFile() && info.mtimeMs < before) found.push({ sessionId, path, bytes: info.size });
          }
        }
      }
      return found;
    },
  };
}

/** Every `projects` folder: the shared one of older versions, and each key's. */
async function projectRoots(root: string): Promise<string[]> {
  return projectsFolders(root, await readdir(sessionsFolder(root)).catch(() => [] as string[]));
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

/**
 * Replaces a file's content all at once: written beside it under a name of this process's, then
 * renamed over it, so a reader (or a crash) sees the old content or the new, never half of it.
 * The folder is made when missing. With `mode`, the file has exactly that mode (chmod'ed, so the
 * umask cannot loosen or tighten it).
 */
import { chmod, mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export async function replaceFile(path: string, content: string, mode?: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, content, mode === undefined ? {} : { mode });
  if (mode !== undefined) await chmod(tmp, mode);
  await rename(tmp, path);
}

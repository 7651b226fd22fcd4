/** The installed git's version (`git version 2.43.0` → `2.43.0`), for `claude-hooks doctor`. */
import { createGitRunner } from './run-git.js';

export async function gitVersion(env: Readonly<Record<string, string | undefined>>): Promise<string> {
  const output = await createGitRunner({ env }).run(['--version'], { cwd: process.cwd() });
  if (output.exitCode !== 0) throw new Error(`git --version exited with ${output.exitCode}: ${output.stderr.trim()}`);
  return output.stdout.trim().replace(/^git version /, '');
}

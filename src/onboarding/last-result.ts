/**
 * The last `claude-hooks doctor` result, kept as `<dataDir>/doctor-result.json` (0600) so that
 * `/readyz` and the dashboard can show it. `readLastDoctorResult(dataDir)` is the reader for both.
 */
import { readFile, writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { PRIVATE_FILE_MODE } from '../lib/private-files.js';

const DoctorResultSchema = z.object({
  at: z.string(),
  ok: z.boolean(),
  checks: z.array(z.object({ title: z.string(), ok: z.boolean(), detail: z.string(), fix: z.string().optional() })),
});
export type DoctorResult = z.infer<typeof DoctorResultSchema>;

export const DOCTOR_RESULT_FILE = 'doctor-result.json';

export async function saveDoctorResult(dataDir: string, result: DoctorResult): Promise<void> {
  const path = join(dataDir, DOCTOR_RESULT_FILE);
  await writeFile(path, `${JSON.stringify(result, null, 2)}\n`, { mode: PRIVATE_FILE_MODE });
  await chmod(path, PRIVATE_FILE_MODE);
}

/** The last result; undefined when doctor never ran here (or the file is not one of ours). */
export async function readLastDoctorResult(dataDir: string): Promise<DoctorResult | undefined> {
  let text: string;
  try {
    text = await readFile(join(dataDir, DOCTOR_RESULT_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const parsed = DoctorResultSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A `/readyz` line showing the last doctor result. Informational: it never fails readiness — the
 * result is a snapshot an operator took, and what readiness must catch (the database, the disk,
 * the forge) has live checks of its own; a stale ✗ must not take a working service out of rotation.
 */
export function doctorReadiness(dataDir: string): { name: string; run(): Promise<{ ok: boolean; detail: string }> } {
  return {
    name: 'doctor',
    async run() {
      const last = await readLastDoctorResult(dataDir);
      if (last === undefined)
        return { ok: true, detail: 'never run: run `claude-hooks doctor` to check the installation' };
      const failed = last.checks.filter((check) => !check.ok);
      if (failed.length === 0)
        return { ok: true, detail: `last run ${last.at}: all ${last.checks.length} checks passed` };
      return {
        ok: true,
        detail: `last run ${last.at}: ${failed.length} of ${last.checks.length} checks failed: ${failed.map((check) => check.title).join('; ')} (informational; run \`claude-hooks doctor\` for the fixes)`,
      };
    },
  };
}

/** The last `doctor`, in one line for the dashboard: when, whether all passed, and which failed. */
export async function doctorSummary(
  dataDir: string,
): Promise<{ readonly at: number; readonly ok: boolean; readonly summary: string } | undefined> {
  const last = await readLastDoctorResult(dataDir);
  if (!last) return undefined;
  const failing = last.checks.filter((check) => !check.ok).map((check) => check.title);
  return {
    at: Date.parse(last.at),
    ok: last.ok,
    summary: failing.length === 0 ? `${last.checks.length} checks passed` : `failing: ${failing.join(', ')}`,
  };
}

/** Human-readable output of `config check`: the effective config (secrets redacted), or every problem. */
import { stringify } from 'yaml';
import type { ConfigProblem } from '../config/load-config.js';
import type { Config } from '../config/types.js';

interface Out {
  write(text: string): unknown;
}

export function printProblems(problems: readonly ConfigProblem[], out: Out): void {
  out.write(`configuration is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n`);
  for (const problem of problems) out.write(`  - ${problem.key}: ${problem.message}\n`);
}

export function printConfig(config: Config, out: Out): void {
  out.write(`# effective configuration${config.source ? ` from ${config.source}` : ' (no file: defaults and environment)'}\n`);
  // Secrets serialise as "[redacted]" (see lib/secret.ts); round-trip through JSON to apply that.
  const plain = JSON.parse(JSON.stringify({ ...config, source: undefined })) as Record<string, unknown>;
  out.write(stringify(plain));
}

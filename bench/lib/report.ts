/**
 * Shared output for every benchmark: a table on stdout and the same figures as JSON in
 * `bench/results/<name>.json` — `{name, machine, figures, targets}` with each target
 * the benchmark sets. Figures are compared to a baseline measured in the same run.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

export interface Target {
  readonly value: number;
  readonly max?: number;
  readonly min?: number;
}

export interface BenchReport {
  readonly name: string;
  /** Figures by name; units belong in the name (`p99_ms`, `throughput_per_s`). */
  readonly figures: Record<string, number>;
  readonly targets: Record<string, Target>;
  /** Extra lines printed under the table (what the baseline is, caveats). */
  readonly notes?: readonly string[];
}

export function machine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown cpu';
  return `${cpus().length} cores (${cpu.trim()}), ${Math.round(totalmem() / 1024 ** 3)} GiB, Node ${process.version}, ${process.platform}`;
}

export function met(target: Target): boolean {
  if (target.max !== undefined && !(target.value <= target.max)) return false;
  if (target.min !== undefined && !(target.value >= target.min)) return false;
  return true;
}

export function writeReport(report: BenchReport, resultsDir = join(import.meta.dirname, '..', 'results')): void {
  const targets = Object.fromEntries(Object.entries(report.targets).map(([k, t]) => [k, { ...t, met: met(t) }]));
  const json = { name: report.name, machine: machine(), figures: report.figures, targets };
  console.log(`\n== bench ${report.name} — ${json.machine}`);
  const rows = Object.entries(report.figures).map(([k, v]) => [k, format(v)]);
  printTable(['figure', 'value'], rows);
  console.log('');
  printTable(
    ['target', 'value', 'bound', 'met'],
    Object.entries(targets).map(([k, t]) => [
      k,
      format(t.value),
      t.max !== undefined ? `<= ${format(t.max)}` : `>= ${format(t.min ?? 0)}`,
      t.met ? 'yes' : 'NO',
    ]),
  );
  for (const note of report.notes ?? []) console.log(`  ${note}`);
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, `${report.name}.json`), `${JSON.stringify(json, null, 2)}\n`);
}

function format(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 100 ? value.toFixed(0) : value.toPrecision(3);
}

function printTable(header: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
}

/** Percentile of a sample (nearest-rank). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

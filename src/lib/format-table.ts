/**
 * A plain-text table for terminals: columns padded to their widest cell, the last left ragged.
 * Cells are untrusted (owners, branch names, titles from payloads): control and bidi characters
 * are shown escaped (`escape-text.ts`), so a cell can neither break the table nor reorder it.
 */
import { escapeText } from './escape-text.js';

export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const cells = [header, ...rows].map((row) => row.map(escapeText));
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (row: readonly string[]) =>
    row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ');
  return `${cells.map(line).join('\n')}\n`;
}

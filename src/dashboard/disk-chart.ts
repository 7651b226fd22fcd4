/**
 * A small inline SVG of the data dir's use over time: used bytes as a line, scaled between the
 * history's lowest and highest value (growth is what an operator looks for), with the range and
 * the span written beside it. Pure; every coordinate is a number the code computed.
 */
import { formatBytes } from '../lib/format-bytes.js';
import { html, type SafeHtml } from './html.js';

const WIDTH = 480;
const HEIGHT = 80;
const PAD = 14;

export function diskChart(history: ReadonlyArray<{ readonly at: number; readonly usedBytes: number }>): SafeHtml {
  if (history.length < 2) return html`<p class="muted">The chart appears after two measurements.</p>`;
  const first = history[0]!.at;
  const last = history[history.length - 1]!.at;
  const span = Math.max(1, last - first);
  const low = Math.min(...history.map((p) => p.usedBytes));
  const high = Math.max(...history.map((p) => p.usedBytes));
  const range = Math.max(1, high - low);
  const points = history
    .map(
      (p) =>
        `${(((p.at - first) / span) * WIDTH).toFixed(1)},${(PAD + HEIGHT - ((p.usedBytes - low) / range) * HEIGHT).toFixed(1)}`,
    )
    .join(' ');
  return html`<svg class="chart" role="img" aria-label="disk use over time" viewBox="0 0 ${WIDTH} ${HEIGHT + 2 * PAD}" width="${WIDTH}" height="${HEIGHT + 2 * PAD}" xmlns="http://www.w3.org/2000/svg">
<polyline fill="none" stroke="#b45309" stroke-width="1.5" points="${points}"><title>used</title></polyline>
<text x="2" y="11" font-size="10" fill="#6b7280">${formatBytes(high)}</text>
<text x="2" y="${HEIGHT + 2 * PAD - 2}" font-size="10" fill="#6b7280">${formatBytes(low)} · ${day(first)} → ${day(last)}</text>
</svg>`;
}

function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

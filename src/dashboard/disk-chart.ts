/**
 * A small inline SVG of disk use over time: used bytes as a line over the history's span, the
 * free space as a second line. Pure; every coordinate is a number the code computed.
 */
import { html, type SafeHtml } from './html.js';

const WIDTH = 480;
const HEIGHT = 96;

export function diskChart(history: ReadonlyArray<{ readonly at: number; readonly usedBytes: number; readonly freeBytes: number }>): SafeHtml {
  if (history.length < 2) return html`<p class="muted">The chart appears after two measurements.</p>`;
  const first = history[0]!.at;
  const span = Math.max(1, history[history.length - 1]!.at - first);
  const top = Math.max(1, ...history.map((p) => Math.max(p.usedBytes, p.freeBytes)));
  const points = (pick: (p: (typeof history)[number]) => number) =>
    history.map((p) => `${(((p.at - first) / span) * WIDTH).toFixed(1)},${(HEIGHT - (pick(p) / top) * HEIGHT).toFixed(1)}`).join(' ');
  return html`<svg class="chart" role="img" aria-label="disk use over time" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" xmlns="http://www.w3.org/2000/svg">
<polyline fill="none" stroke="#b45309" stroke-width="1.5" points="${points((p) => p.usedBytes)}"><title>used</title></polyline>
<polyline fill="none" stroke="#15803d" stroke-width="1" stroke-dasharray="3 2" points="${points((p) => p.freeBytes)}"><title>free</title></polyline>
</svg>`;
}

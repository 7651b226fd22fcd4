/**
 * The dashboard's Pull requests section (docs/until-merged.md, "Seeing it"): each open pull
 * request the service sees through to the merge — where its head's checks stand and which fail or
 * run, the fix attempts used of the cap, the reruns asked for, the checks found flaky, where
 * merging stands and what it waits on, with the reason the latest ignored check result was
 * ignored. Titles, branch names, check names and reasons are the forge's, untrusted: they go
 * through `html` like every other value.
 */
import { checksWords } from '../pulls/pull-view.js';
import { html, type SafeHtml } from './html.js';
import type { DashboardStatus, PullRow } from './status-model.js';

export function pullsSection({ pulls }: DashboardStatus): SafeHtml {
  if (!pulls) return html``;
  return html`<section id="pulls"><h2>Pull requests</h2>
${
  pulls.shown.length === 0
    ? html`<p class="muted">No open pull request is watched.</p>`
    : html`<table><thead><tr><th>pull request</th><th>agent</th><th>head</th><th>checks</th><th>attempts</th><th>reruns</th><th>flaky</th><th>merge</th><th>waits on</th></tr></thead><tbody>
${pulls.shown.map(pullRow)}</tbody></table>`
}
${pulls.more ? html`<p class="muted">More are open than shown here: <code>claude-hooks prs</code> lists them all.</p>` : ''}
</section>`;
}

function pullRow(p: PullRow): SafeHtml {
  return html`<tr data-pull="${p.repo}#${p.number}"><td><a href="${p.url}">${p.repo}#${p.number}</a> ${p.title}</td>
<td>${p.agent} <a href="${p.issueUrl}">#${p.issue}</a></td>
<td><code>${p.branch}</code> @ <code>${p.head}</code> → <code>${p.base}</code></td>
<td class="checks-${p.checks}" data-cell="checks">${checksWords(p)}</td>
<td data-cell="attempts">${p.attempts}</td>
<td data-cell="reruns">${p.reruns}</td>
<td data-cell="flaky">${p.flaky.length === 0 ? '' : p.flaky.join(', ')}</td>
<td data-cell="merge">${p.merge}</td>
<td data-cell="waits-on">${p.waitingOn}${p.lastIgnored === undefined ? '' : html`<br><span class="muted ignored">last ignored: ${p.lastIgnored}</span>`}</td></tr>`;
}

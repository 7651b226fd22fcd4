/**
 * The dashboard page: a pure function of the status model (and the CSRF token its action forms
 * carry). Every value goes through `html`, so payload text — branch names, issue titles, skip
 * reasons — is text. Figures that `/api/status` also carries are marked `data-stat="<path>"`.
 */
import { formatBytes } from '../lib/format-bytes.js';
import { actionForm } from './action-form.js';
import { diskChart } from './disk-chart.js';
import { html, type SafeHtml } from './html.js';
import { milestonesSection } from './milestones-section.js';
import { pullsSection } from './pulls-section.js';
import type { DashboardStatus, RunRow } from './status-model.js';
import { formatUsd } from '../lib/format-usd.js';
import { isoSeconds } from '../lib/format-time.js';

export function layout(title: string, body: SafeHtml, options: { readonly refresh?: boolean } = {}): SafeHtml {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/dashboard/style.css">
${options.refresh ? html`<script src="/dashboard/refresh.js" defer></script>` : ''}
</head><body>${body}</body></html>`;
}

export function dashboardPage(status: DashboardStatus, csrf: string): SafeHtml {
  return layout(
    'claude-hooks',
    html`<header><h1>claude-hooks</h1><span class="muted">as of <time data-stat="generatedAt">${isoSeconds(status.generatedAt)}</time> · isolation: <span data-stat="isolation">${status.isolation}</span></span>
<form method="post" action="/dashboard/sign-out"><input type="hidden" name="csrf" value="${csrf}"><button>Sign out</button></form></header>
${isolationBanner(status)}
<main id="status">${statusSections(status, csrf)}</main>`,
    { refresh: true },
  );
}

/**
 * Said above everything when the service runs agents unconfined: an operator must not take it for
 * the default. Outside the refreshed part: the setting changes only with a restart.
 */
function isolationBanner({ isolation }: DashboardStatus): SafeHtml {
  if (isolation !== 'none') return html``;
  return html`<p class="banner warning" role="alert" id="isolation-banner"><strong>isolation: none — agent runs are not sandboxed.</strong>
Each runs as this service's own user and reaches whatever that user can: its files and the network. Set <code>isolation: bwrap</code> (the default) and restart to confine them.</p>`;
}

/** The part the page re-fetches every few seconds (`GET /?part=status`). */
export function statusSections(status: DashboardStatus, csrf: string): SafeHtml {
  return html`${diskSection(status)}${queueSection(status, csrf)}${agentsSection(status, csrf)}${milestonesSection(status, csrf)}${pullsSection(status)}${runsSection(status)}${sessionsSection(status)}${sweeperSection(status, csrf)}${intakeSection(status)}`;
}

function diskSection({ disk }: DashboardStatus): SafeHtml {
  if (!disk)
    return html`<section id="disk"><h2>Disk</h2><p class="muted">Not measured yet: the first measurement runs shortly after start-up.</p></section>`;
  const kinds = Object.entries(disk.kinds) as Array<[keyof typeof disk.kinds, number]>;
  return html`<section id="disk"><h2>Disk</h2>
<p class="headline"><strong data-stat="disk.usedBytes" data-bytes="${disk.usedBytes}">${formatBytes(disk.usedBytes)}</strong> used by claude-hooks ·
<strong data-stat="disk.freeBytes" data-bytes="${disk.freeBytes}">${formatBytes(disk.freeBytes)}</strong> free of ${formatBytes(disk.totalBytes)} ·
measured <time>${isoSeconds(disk.measuredAt)}</time></p>
${diskChart(disk.history)}
<div class="cols">
<table><caption>by kind</caption>${kinds.map(([kind, bytes]) => html`<tr><th>${kind}</th><td data-stat="disk.kinds.${kind}" data-bytes="${bytes}">${formatBytes(bytes)}</td></tr>`)}</table>
<table><caption>by agent (worktrees)</caption>${rowsOrNone(disk.byAgent.map((a) => html`<tr><th>${a.name}</th><td>${formatBytes(a.bytes)}</td></tr>`))}</table>
<table><caption>by repository</caption>${rowsOrNone(disk.byRepository.map((r) => html`<tr><th>${r.name}</th><td>${formatBytes(r.bytes)}</td></tr>`))}</table>
</div></section>`;
}

function queueSection({ queue }: DashboardStatus, csrf: string): SafeHtml {
  return html`<section id="queue"><h2>Queue</h2>
<p><strong data-stat="queue.queued">${queue.queued}</strong> queued · <strong data-stat="queue.running">${queue.running}</strong> running</p>
<table><thead><tr><th>job</th><th>key</th><th>state</th><th>age</th><th>position</th><th>status</th><th></th></tr></thead><tbody>
${rowsOrNone(
  queue.jobs.map(
    (
      job,
    ) => html`<tr><td>${job.id}</td><td><a href="${job.url}">${job.key}</a></td><td>${job.state}</td><td>${duration(job.ageMs)}</td><td>${job.position ?? ''}</td><td>${job.statusLine ?? ''}</td>
<td>${job.state === 'queued' ? actionForm(csrf, 'cancel-job', { job: String(job.id) }, 'Cancel') : ''} ${actionForm(csrf, 'pause-key', { key: job.key, hours: '1' }, 'Pause 1 h')}</td></tr>`,
  ),
  7,
)}</tbody></table></section>`;
}

function agentsSection({ agents, pauses }: DashboardStatus, csrf: string): SafeHtml {
  return html`<section id="agents"><h2>Agents</h2>
<table><thead><tr><th>agent</th><th>state</th><th>runs today</th><th>cost today</th><th>budget left</th></tr></thead><tbody>
${rowsOrNone(
  agents.map(
    (
      a,
    ) => html`<tr data-agent="${a.name}"><th>${a.name}</th><td>${a.state}${a.pausedWhy ? html` <span class="muted">(${a.pausedWhy})</span>` : ''}</td>
<td data-stat="agents.${a.name}.runsToday">${a.runsToday}</td><td data-stat="agents.${a.name}.costTodayUsd">${formatUsd(a.costTodayUsd)}</td><td>${formatUsd(a.budgetLeftUsd)}</td></tr>`,
  ),
  5,
)}</tbody></table>
${pauses.length > 0 ? html`<table><caption>paused keys</caption>${pauses.map((p) => html`<tr><td>${p.key}</td><td>until <time>${isoSeconds(p.until)}</time></td><td>${p.reason}</td><td>${actionForm(csrf, 'resume-key', { key: p.key }, 'Resume')}</td></tr>`)}</table>` : ''}
</section>`;
}

function runsSection({ runs }: DashboardStatus): SafeHtml {
  return html`<section id="runs"><h2>Recent runs</h2>
<table><thead><tr><th>run</th><th>agent</th><th>issue</th><th>outcome</th><th>duration</th><th>cost</th><th>session</th><th>prompt</th><th>isolation</th></tr></thead><tbody>
${rowsOrNone(
  runs.map(
    (
      r,
    ) => html`<tr data-run="${r.id}"><td><a href="/dashboard/runs/${r.id}">#${r.id}</a></td><td>${r.agent}</td><td><a href="${r.url}">${r.repo}#${r.issue}</a></td><td class="outcome-${r.outcome}">${r.outcome}</td>
<td>${r.durationMs === undefined ? '' : duration(r.durationMs)}</td><td>${formatUsd(r.costUsd)}</td><td>${r.session ?? ''}</td><td>${r.prompt ?? ''}</td><td>${isolationCell(r.isolation)}</td></tr>`,
  ),
  9,
)}</tbody></table></section>`;
}

/** `none` stands out in the list; a run from before sandboxing was recorded shows nothing. */
function isolationCell(isolation: RunRow['isolation']): SafeHtml | string {
  if (isolation === 'none') return html`<strong class="unsandboxed" title="this run was not sandboxed">none</strong>`;
  return isolation ?? '';
}

function sessionsSection({ sessions }: DashboardStatus): SafeHtml {
  return html`<section id="sessions"><h2>Sessions</h2>
<p><strong data-stat="sessions.active">${sessions.active}</strong> active · <strong data-stat="sessions.closed">${sessions.closed}</strong> closed, awaiting expiry${
    sessions.oldestActiveAt === undefined
      ? ''
      : html` · oldest active last used <time>${isoSeconds(sessions.oldestActiveAt)}</time>`
  }</p>
<table><thead><tr><th>agent</th><th>active</th><th>closed</th><th>oldest active</th></tr></thead><tbody>
${rowsOrNone(
  sessions.byAgent.map(
    (s) =>
      html`<tr><th>${s.agent}</th><td>${s.active}</td><td>${s.closed}</td><td>${s.oldestActiveAt === undefined ? '' : isoSeconds(s.oldestActiveAt)}</td></tr>`,
  ),
  4,
)}
</tbody></table></section>`;
}

function sweeperSection({ sweeper }: DashboardStatus, csrf: string): SafeHtml {
  const last = sweeper.last;
  return html`<section id="sweeper"><h2>Sweeper</h2>
${
  last
    ? html`<p>last run <time>${isoSeconds(last.startedAt)}</time> · reclaimed <strong>${formatBytes(last.reclaimedBytes)}</strong> · ${last.failures.length} failures</p>
${last.failures.length > 0 ? html`<ul>${last.failures.map((f) => html`<li>${f.target}: ${f.reason}</li>`)}</ul>` : ''}`
    : html`<p class="muted">No sweep has run yet.</p>`
}
${sweeper.available ? actionForm(csrf, 'run-sweeper', {}, 'Run the sweeper now') : ''}</section>`;
}

function doctorLine(doctor: DashboardStatus['doctor']): SafeHtml {
  if (!doctor) return html`<p class="muted" id="doctor">No <code>claude-hooks doctor</code> result yet.</p>`;
  return html`<p id="doctor">Last <code>claude-hooks doctor</code>, ${isoSeconds(doctor.at)}: <strong data-stat="doctor.ok">${doctor.ok ? 'all checks passed' : 'failing'}</strong> — ${doctor.summary}</p>`;
}

function intakeSection({ intake, doctor }: DashboardStatus): SafeHtml {
  const h = intake.lastHour;
  return html`<section id="intake"><h2>Intake, last hour</h2>
<p><strong data-stat="intake.lastHour.accepted">${h.accepted}</strong> accepted · <strong data-stat="intake.lastHour.duplicate">${h.duplicate}</strong> duplicate ·
<strong data-stat="intake.lastHour.rejected">${h.rejected ?? 'n/a'}</strong> rejected · <strong data-stat="intake.lastHour.ignored">${h.ignored}</strong> ignored ·
last poll ${intake.lastPoll ?? 'never'}</p>
${doctorLine(doctor)}
<table><caption>routing skips</caption><tbody>${rowsOrNone(
    intake.skips.map((s) => html`<tr><th>${s.agent}</th><td>${s.reason}</td><td>${s.count}</td></tr>`),
    3,
  )}</tbody></table>
</section>`;
}

function rowsOrNone(rows: readonly SafeHtml[], columns = 2): SafeHtml {
  return rows.length > 0 ? html`${rows}` : html`<tr><td colspan="${columns}" class="muted">none</td></tr>`;
}

export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

/**
 * The dashboard's Milestones section: each open milestone's progress, whether it is paused (with
 * the form that pauses or resumes it), what is ready (and what starts next), what is blocked and
 * on what, what is in flight, and its critical path. Titles are the forge's, untrusted: they go
 * through `html` like every other value. Long lists are cut; `claude-hooks milestones
 * owner/name#N` prints a milestone whole.
 */
import { milestoneName } from '../milestones/report.js';
import { actionForm } from './action-form.js';
import { html, type SafeHtml } from './html.js';
import type { DashboardStatus, MilestoneRow } from './status-model.js';

/** Stories listed per row (ready, blocked, in flight) before "and N more". */
export const STORIES_SHOWN = 10;

export function milestonesSection({ milestones }: DashboardStatus, csrf: string): SafeHtml {
  if (!milestones) return html``;
  const hidden = [
    milestones.more > 0 ? html`<strong data-stat="milestones.more">${milestones.more}</strong> more open` : '',
    milestones.closed > 0 ? html`<strong data-stat="milestones.closed">${milestones.closed}</strong> closed` : '',
  ].filter((part) => part !== '');
  return html`<section id="milestones"><h2>Milestones</h2>
${milestones.shown.length === 0 ? html`<p class="muted">No open milestone.</p>` : milestones.shown.map((m) => milestoneArticle(m, csrf))}
${hidden.length > 0 ? html`<p class="muted">Not shown: ${joined(hidden, ' · ')} (<code>claude-hooks milestones</code> lists them all).</p>` : ''}
</section>`;
}

function milestoneArticle(m: MilestoneRow, csrf: string): SafeHtml {
  const name = milestoneName(m);
  const key = `${m.repo}#${m.tracking}`;
  const story = (n: number) => html`<a href="${m.issuesUrl}${n}">#${n}</a>`;
  const titled = (s: { readonly number: number; readonly title: string }) =>
    s.title === '' ? story(s.number) : html`${story(s.number)} ${s.title}`;
  const p = m.progress;
  const next = new Set(m.next);
  return html`<article class="milestone" data-milestone="${key}">
<h3><a href="${m.url}">${name}</a>${m.title ? html` ${m.title}` : ''}</h3>
<div class="headline"><strong data-count="done">${p.done}</strong> of <strong data-count="total">${p.total}</strong> done ·
<span data-count="in-flight">${p.inProgress}</span> in flight · <span data-count="ready">${p.ready}</span> ready ·
<span data-count="blocked">${p.waiting + p.blocked}</span> blocked${p.notPlanned > 0 ? html` · ${p.notPlanned} not planned` : ''}
· ${startState(m)} · stacking ${m.stacking ? 'on' : 'off'}${m.maxInFlight === null ? '' : html` · at most ${m.maxInFlight} in flight`}
${m.paused ? actionForm(csrf, 'resume-milestone', { milestone: key }, 'Resume') : actionForm(csrf, 'pause-milestone', { milestone: key }, 'Pause')}</div>
<table class="milestone-stories"><tbody>
<tr data-row="ready"><th>ready</th><td>${listed(
    m.ready.map(
      (r) =>
        html`${titled(r)}${r.stackedOn ? html` <span class="muted">(stacked on ${story(r.stackedOn.story)}, PR ${story(r.stackedOn.pull)})</span>` : ''}${next.has(r.number) ? html` <strong>starts next</strong>` : ''}`,
    ),
  )}</td></tr>
<tr data-row="blocked"><th>blocked</th><td>${listed(
    m.blocked.map(
      (b) =>
        html`${titled(b)} — ${b.problems.length > 0 ? html`<span class="error">blocked by ${b.problems.length === 1 ? 'a problem' : `${b.problems.length} problems`} (below)</span>` : html`waits on ${joined(b.on.map(story), ', ')}`}${b.note ? html` <span class="muted">(${b.note})</span>` : ''}`,
    ),
  )}</td></tr>
<tr data-row="in-flight"><th>in flight</th><td>${listed(
    m.inFlight.map((f) => html`${titled(f)}${f.pull === undefined ? '' : html` — PR ${story(f.pull)}`}`),
  )}</td></tr>
<tr data-row="critical-path"><th>critical path</th><td>${m.criticalPath.length === 0 ? html`<span class="muted">none: nothing left to do</span>` : joined(m.criticalPath.map(story), ' → ')}</td></tr>
</tbody></table>
${m.problems.length > 0 ? html`<ul class="problems">${m.problems.map((problem) => html`<li class="error">${problem.message}</li>`)}</ul>` : ''}
</article>`;
}

/** Whether the milestone starts its ready stories, and if not, why not. */
function startState(m: MilestoneRow): SafeHtml {
  if (m.paused) return html`<strong class="paused">paused</strong>: no new story starts`;
  if (!m.optedIn) return html`<span class="muted">not opted in: the service starts none of its stories</span>`;
  return html`running`;
}

function listed(items: readonly SafeHtml[]): SafeHtml {
  if (items.length === 0) return html`<span class="muted">none</span>`;
  const shown = items.slice(0, STORIES_SHOWN).map((item) => html`<li>${item}</li>`);
  const more = items.length - STORIES_SHOWN;
  return html`<ul>${shown}${more > 0 ? html`<li class="muted">and ${more} more</li>` : ''}</ul>`;
}

function joined(items: readonly (SafeHtml | string)[], separator: string): SafeHtml {
  return html`${items.flatMap((item, i) => (i === 0 ? [item] : [separator, item]))}`;
}

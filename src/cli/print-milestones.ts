/**
 * `claude-hooks milestones` as text: one line per milestone, or one milestone whole — its state,
 * progress, what starts next, the critical path and the waves, then every story by layer with its
 * status and what it waits on. Titles and problem messages are untrusted text: `formatTable` and
 * `escapeText` show their control characters escaped, so nothing printed can move the cursor or
 * reorder a line.
 */
import { escapeText } from '../lib/escape-text.js';
import { formatTable } from '../lib/format-table.js';
import { type MilestoneReport, milestoneName, type StoryReport } from '../milestones/report.js';

const TITLE_WIDTH = 48;

export function formatMilestoneTable(views: readonly MilestoneReport[]): string {
  if (views.length === 0) return 'no milestones: the service has seen no tracking issue yet\n';
  return formatTable(
    ['MILESTONE', 'DONE', 'READY', 'BLOCKED', 'IN FLIGHT', 'STATE', 'TITLE'],
    views.map((v) => [
      milestoneName(v),
      `${v.progress.done}/${v.progress.total}`,
      String(v.progress.ready),
      String(v.progress.waiting + v.progress.blocked),
      String(v.progress.inProgress),
      stateOf(v),
      short(v.title ?? ''),
    ]),
  );
}

export function formatMilestone(v: MilestoneReport): string {
  const p = v.progress;
  const counts = [
    `${p.done} of ${p.total} done`,
    `${p.inProgress} in flight`,
    `${p.ready} ready`,
    `${p.waiting + p.blocked} blocked`,
    ...(p.notPlanned > 0 ? [`${p.notPlanned} not planned`] : []),
  ];
  const lines = [
    `${milestoneName(v)}${v.title ? `  ${escapeText(v.title)}` : ''}`,
    `state:          ${stateOf(v)} · stacking ${v.stacking ? 'on' : 'off'} · ${v.maxInFlight === null ? 'no cap on stories in flight' : `at most ${v.maxInFlight} in flight`}`,
    `progress:       ${counts.join(' · ')}`,
    `starts next:    ${v.next.length > 0 ? refs(v.next) : nothingNext(v)}`,
    `critical path:  ${v.criticalPath.length > 0 ? v.criticalPath.map(ref).join(' → ') : 'none: nothing left to do'}`,
    `waves:          ${v.waves.length > 0 ? v.waves.map((wave, i) => `${i + 1}: ${refs(wave)}`).join(' · ') : '-'}`,
    '',
  ];
  const stories = [...v.stories].sort((a, b) => a.layer - b.layer || a.number - b.number);
  const table =
    stories.length === 0
      ? 'no stories: no issue links to this tracking issue yet\n'
      : formatTable(
          ['STORY', 'LAYER', 'STATUS', 'TITLE', 'WAITS ON / DETAIL'],
          stories.map((s) => [ref(s.number), String(s.layer), STATUS_TEXT[s.status], short(s.title), detailOf(s)]),
        );
  const problems =
    v.problems.length > 0
      ? ['', 'problems:', ...v.problems.map((problem) => `  - ${escapeText(problem.message)}`)]
      : [];
  return `${lines.join('\n')}\n${table}${problems.length > 0 ? `${problems.join('\n')}\n` : ''}`;
}

const STATUS_TEXT: Readonly<Record<StoryReport['status'], string>> = {
  done: 'done',
  'not-planned': 'not planned',
  'in-progress': 'in flight',
  blocked: 'blocked',
  ready: 'ready',
  'ready-stacked': 'ready, stacked',
  waiting: 'waiting',
};

function detailOf(s: StoryReport): string {
  switch (s.status) {
    case 'done':
    case 'in-progress':
      return s.pull === undefined ? '' : `PR ${ref(s.pull)}`;
    case 'ready-stacked':
      return s.stackedOn ? `on ${s.stackedOn.branch} (${ref(s.stackedOn.story)}, PR ${ref(s.stackedOn.pull)})` : '';
    case 'waiting':
      return `${refs(s.on ?? [])}${s.note ? ` (${s.note})` : ''}`;
    case 'blocked':
      return (s.problems ?? []).join('; ');
    default:
      return '';
  }
}

function stateOf(v: MilestoneReport): string {
  if (v.closed) return 'closed';
  if (v.paused) return 'paused';
  return v.optedIn ? 'running' : 'not opted in';
}

function nothingNext(v: MilestoneReport): string {
  if (v.ready.length === 0) return 'nothing is ready';
  if (v.closed) return `none: the tracking issue is closed (ready: ${refs(v.ready.map((r) => r.number))})`;
  if (v.paused) return `none: the milestone is paused (ready: ${refs(v.ready.map((r) => r.number))})`;
  if (!v.optedIn) return `none: the milestone is not opted in (ready: ${refs(v.ready.map((r) => r.number))})`;
  return `none: ${v.progress.inProgress} in flight already, the cap`;
}

const ref = (n: number): string => `#${n}`;
const refs = (numbers: readonly number[]): string => numbers.map(ref).join(', ');

function short(text: string): string {
  const chars = Array.from(text);
  return chars.length > TITLE_WIDTH ? `${chars.slice(0, TITLE_WIDTH - 1).join('')}…` : text;
}

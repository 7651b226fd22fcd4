/**
 * The tracking issue's graph section, written by the service and not by the model (decisions.md
 * §54): a block between two marker lines that shows each layer's stories with their status, the
 * waves of the work left, the critical path and the problems. Rendering is deterministic — the
 * same graph and schedule give the same text — so the service edits the issue only when the text
 * changed. Titles are untrusted and go through `inlineText`: they cannot make markup, mention
 * anyone, or spell a marker.
 *
 * `replaceTrackingBlock` swaps the block into a body and keeps every character outside it as
 * people wrote it. The block is the last start-marker line and the first end-marker line after
 * it (markers count only alone on their line); a body without one gets the block appended. It
 * looks at every line, code blocks included, so a body whose text leaves a code block open still
 * finds the block it was given last time: appending again on every event would grow the issue.
 */
import { type GraphProblem, list, type MilestoneGraph, ref, type StoryNode } from './graph.js';
import { inlineText } from './inline-text.js';
import type { MilestoneSchedule, StoryStatus } from './schedule.js';

export const BLOCK_START = '<!-- claude-hooks:milestone -->';
export const BLOCK_END = '<!-- /claude-hooks:milestone -->';

export function renderTrackingBlock(graph: MilestoneGraph, plan: MilestoneSchedule): string {
  const lines = [
    BLOCK_START,
    '## Milestone',
    '',
    "_Kept by claude-hooks from the stories' `## Dependencies` footers: change those, not this block, which is rewritten on every change._",
    '',
    progress(plan),
  ];
  plan.layers.forEach((layer, i) => {
    lines.push('', `**Layer ${i}**`, ...layer.map((n) => storyLine(graph.stories.get(n)!, plan.statuses.get(n)!)));
  });
  if (plan.waves.length > 0) {
    lines.push(
      '',
      '**Recommended execution order**',
      ...plan.waves.map((wave, i) => `- Wave ${i + 1}: ${wave.map(ref).join(', ')}`),
    );
  }
  if (plan.criticalPath.length > 0) lines.push('', `**Critical path:** ${plan.criticalPath.map(ref).join(' → ')}`);
  if (graph.problems.length > 0) lines.push('', '**Problems**', ...graph.problems.map((p) => `- ${p.message}`));
  lines.push(BLOCK_END);
  return lines.join('\n');
}

function progress(plan: MilestoneSchedule): string {
  const count = (kind: StoryStatus['kind']) => [...plan.statuses.values()].filter((s) => s.kind === kind).length;
  if (plan.statuses.size === 0) return 'No stories yet.';
  const parts = [`${count('done')} of ${plan.statuses.size} stories done`];
  const shown: ReadonlyArray<[string, number]> = [
    ['in progress', count('in-progress')],
    ['ready', count('ready') + count('ready-stacked')],
    ['waiting', count('waiting')],
    ['blocked', count('blocked')],
    ['not planned', count('not-planned')],
  ];
  for (const [label, n] of shown) if (n > 0) parts.push(`${n} ${label}`);
  return `**Progress:** ${parts.join(' · ')}`;
}

function storyLine(story: StoryNode, status: StoryStatus): string {
  const title = inlineText(story.title);
  const named = title === '' ? ref(story.number) : `${ref(story.number)} ${title}`;
  switch (status.kind) {
    case 'done':
      return `- ${named} ✅${status.pull === undefined ? '' : ` PR ${ref(status.pull)}`}`;
    case 'not-planned':
      return `- ~~${named}~~ not planned`;
    case 'in-progress':
      return `- ${named} — in progress${status.pull === undefined ? '' : `, PR ${ref(status.pull.number)}`}`;
    case 'blocked':
      return `- ${named} ⛔ blocked: ${status.by.map((p) => blockedBecause(p, story.number)).join('; ')}`;
    case 'ready':
      return `- ${named} ← next up`;
    case 'ready-stacked':
      return `- ${named} ← next up, stacked on ${ref(status.on)} (PR ${ref(status.base.number)})`;
    case 'waiting':
      return `- ${named} <-- ${status.on.map(ref).join(', ')}`;
  }
}

function blockedBecause(problem: GraphProblem, story: number): string {
  switch (problem.kind) {
    case 'cycle':
      return `in the cycle ${[...problem.cycle, problem.cycle[0]!].map(ref).join(' → ')}`;
    case 'missing-upstream':
      return `upstream ${ref(problem.upstream)} does not exist`;
    case 'not-planned-upstream':
      return `upstream ${ref(problem.upstream)} is not planned`;
    case 'tracking-upstream':
      return 'names its own tracking issue as upstream';
    case 'two-trees':
      return `${ref(story)} is also in ${list(problem.trees)}`;
  }
}

export interface ReplacedBody {
  readonly body: string;
  /** Whether the block's text differs from the one the body had; when not, `body` is the body given. */
  readonly changed: boolean;
}

export function replaceTrackingBlock(body: string | null | undefined, block: string): ReplacedBody {
  const text = typeof body === 'string' ? body : '';
  const lines = text.split('\n');
  const bare = lines.map((line) => line.trim());
  const start = bare.lastIndexOf(BLOCK_START);
  const end = start < 0 ? -1 : bare.indexOf(BLOCK_END, start + 1);
  if (end < 0) return { body: `${text}${separatorAfter(text)}${block}\n`, changed: true };
  const current = lines.slice(start, end + 1).map((line) => line.trimEnd());
  // Compared without line ends and trailing blanks: a forge that stores `\r\n` must not make
  // every event look like a change, or each edit would wake another.
  if (
    current.join('\n') ===
    block
      .split('\n')
      .map((line) => line.trimEnd())
      .join('\n')
  )
    return { body: text, changed: false };
  // The end marker's line end (`\r\n` or `\n`) is the text's, not the block's.
  const ending = lines[end]!.endsWith('\r') ? '\r' : '';
  return { body: [...lines.slice(0, start), `${block}${ending}`, ...lines.slice(end + 1)].join('\n'), changed: true };
}

/** A blank line between what people wrote and the block, whatever the body ends with. */
function separatorAfter(text: string): string {
  if (text === '' || text.endsWith('\n\n') || text.endsWith('\n\r\n')) return '';
  return text.endsWith('\n') ? '\n' : '\n\n';
}

/**
 * The dashboard's status: one plain, JSON-ready object read from the store through bounded
 * queries, served as `GET /api/status` and rendered as `GET /`. Disk figures come from the
 * newest background sample, never from a measurement made for the request.
 */
import type { MilestoneReport } from '../milestones/report.js';
import { type PullView, pullView } from '../pulls/pull-view.js';
import type { JobStore } from '../queue/ports.js';
import type { RunIsolation } from '../sessions/ports.js';
import { loadOpenMilestoneReports, type MilestoneReads } from './milestone-reads.js';
import type {
  DashboardReads,
  DiskKinds,
  DiskSamples,
  DoctorResult,
  PullReads,
  RejectionCounter,
  SweepHistory,
  SweepSummary,
} from './ports.js';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
/** Queued and running jobs shown; the counts are always exact. */
export const QUEUE_LIMIT = 50;
export const RECENT_RUNS = 25;
const SKIP_LIMIT = 20;
/** Milestones shown (open ones, by repository and tracking issue); `claude-hooks milestones` lists them all. */
export const MILESTONE_LIMIT = 20;
/** Open pull requests shown, the latest changed first; `claude-hooks prs` lists them all. */
export const PULL_LIMIT = 50;
/** Points in the disk chart; older samples are already thinned by the store. */
export const CHART_POINTS = 240;

export interface StatusSources {
  readonly jobs: Pick<JobStore, 'listJobs' | 'countByState'>;
  readonly reads: DashboardReads;
  readonly diskSamples: Pick<DiskSamples, 'latest' | 'history'>;
  readonly agents: ReadonlyArray<{ readonly name: string; readonly limits: { readonly maxDailyUsd?: number } }>;
  /** Base URL of the forge's web UI, for issue links; `https://<host>` of the work key when absent. */
  readonly forgeUrl?: string;
  readonly defaultMaxDailyUsd: number;
  /** How this service confines agent runs (`isolation` in the config): `none` puts a warning on the page. */
  readonly isolation: RunIsolation;
  readonly sweeps?: SweepHistory;
  readonly rejections?: RejectionCounter;
  readonly doctor?: () => Promise<DoctorResult | undefined>;
  /** The live status line of a running job, when the runner reports one. */
  readonly liveStatus?: (jobId: number) => string | undefined;
  /** What the milestones are read with (the store, the queue, the settings); no section without it. */
  readonly milestones?: MilestoneReads;
  /** The watched pull requests and the fix attempts' cap; no section without them. */
  readonly pulls?: PullReads;
}

export interface NamedBytes {
  readonly name: string;
  readonly bytes: number;
}

export interface DiskStatus {
  readonly measuredAt: number;
  readonly freeBytes: number;
  readonly totalBytes: number;
  readonly usedBytes: number;
  readonly kinds: DiskKinds;
  readonly byAgent: readonly NamedBytes[];
  readonly byRepository: readonly NamedBytes[];
  readonly history: ReadonlyArray<{ readonly at: number; readonly usedBytes: number; readonly freeBytes: number }>;
}

export interface QueueJob {
  readonly id: number;
  readonly key: string;
  readonly agent: string;
  readonly repo: string;
  readonly issue: number;
  readonly url: string;
  readonly state: 'queued' | 'running';
  readonly ageMs: number;
  /** 1 = next to start; undefined while running. */
  readonly position: number | undefined;
  readonly statusLine: string | undefined;
}

export interface AgentStatus {
  readonly name: string;
  readonly state: 'working' | 'idle' | 'paused';
  readonly pausedWhy: string | undefined;
  readonly runsToday: number;
  readonly costTodayUsd: number;
  readonly budgetLeftUsd: number;
}

export interface RunRow {
  readonly id: number;
  readonly agent: string;
  readonly repo: string;
  readonly issue: number;
  readonly url: string;
  readonly startedAt: number;
  readonly outcome: string;
  readonly durationMs: number | undefined;
  readonly costUsd: number;
  readonly session: 'new' | 'resumed' | undefined;
  readonly prompt: 'full' | 'delta' | undefined;
  /** Undefined on runs from before sandboxing. */
  readonly isolation: RunIsolation | undefined;
}

/** A milestone as the page shows it: its report, and where its issues are on the forge. */
export interface MilestoneRow extends MilestoneReport {
  /** The tracking issue's page. */
  readonly url: string;
  /** Its repository's issues, to which a story's number is appended. */
  readonly issuesUrl: string;
}

/** A pull request as the page shows it: its view, and where it and its issue are on the forge. */
export interface PullRow extends PullView {
  readonly url: string;
  readonly issueUrl: string;
}

export interface DashboardStatus {
  readonly generatedAt: number;
  /** How this service confines the runs it starts now (a run's own record says how it ran). */
  readonly isolation: RunIsolation;
  readonly disk: DiskStatus | undefined;
  readonly queue: { readonly queued: number; readonly running: number; readonly jobs: readonly QueueJob[] };
  readonly agents: readonly AgentStatus[];
  readonly pauses: ReadonlyArray<{ readonly key: string; readonly until: number; readonly reason: string }>;
  readonly runs: readonly RunRow[];
  readonly sessions: {
    readonly active: number;
    readonly closed: number;
    readonly oldestActiveAt: number | undefined;
    readonly byAgent: ReadonlyArray<{
      readonly agent: string;
      readonly active: number;
      readonly closed: number;
      readonly oldestActiveAt: number | undefined;
    }>;
  };
  readonly sweeper: { readonly available: boolean; readonly last: SweepSummary | undefined };
  readonly intake: {
    readonly lastHour: {
      readonly accepted: number;
      readonly duplicate: number;
      readonly rejected: number | undefined;
      readonly ignored: number;
    };
    readonly skips: ReadonlyArray<{ readonly agent: string; readonly reason: string; readonly count: number }>;
    readonly lastPoll: string | undefined;
  };
  readonly doctor: DoctorResult | undefined;
  /** Open milestones (at most `MILESTONE_LIMIT`); undefined when the service has none wired. */
  readonly milestones:
    | {
        readonly shown: readonly MilestoneRow[];
        /** Milestones whose tracking issue is closed: not shown. */
        readonly closed: number;
        /** Open milestones beyond `MILESTONE_LIMIT`: not shown. */
        readonly more: number;
      }
    | undefined;
  /** Open pull requests (at most `PULL_LIMIT`); undefined when the service has none wired. */
  readonly pulls:
    | {
        readonly shown: readonly PullRow[];
        /** Whether more are open than `PULL_LIMIT` (not shown; one more is read to know, not all of them). */
        readonly more: boolean;
      }
    | undefined;
}

export async function loadStatus(sources: StatusSources, now: number): Promise<DashboardStatus> {
  const [
    counts,
    queued,
    running,
    runs,
    today,
    sessions,
    deliveries,
    skips,
    pauses,
    lastPoll,
    latest,
    history,
    lastSweep,
    rejected,
    milestones,
    pulls,
  ] = await Promise.all([
    sources.jobs.countByState(),
    sources.jobs.listJobs({ states: ['queued'], limit: QUEUE_LIMIT }),
    sources.jobs.listJobs({ states: ['running'], limit: QUEUE_LIMIT }),
    sources.reads.recentRuns(RECENT_RUNS),
    sources.reads.runsSince(utcMidnight(now)),
    sources.reads.sessionCounts(),
    sources.reads.deliveriesSince(now - HOUR),
    sources.reads.skipsSince(now - HOUR, SKIP_LIMIT),
    sources.reads.pausesAt(now),
    sources.reads.lastPoll(),
    sources.diskSamples.latest(),
    sources.diskSamples.history(now - 365 * DAY),
    sources.sweeps?.lastSweep(),
    sources.rejections?.countSince(now - HOUR),
    sources.milestones && loadOpenMilestoneReports(sources.milestones, MILESTONE_LIMIT),
    sources.pulls && loadOpenPulls(sources.pulls),
  ]);
  const link = issueLink(sources.forgeUrl);
  const pullLink = issueLink(sources.forgeUrl, 'pulls');
  const queuedCount = counts.queued ?? 0;
  // listJobs is newest first; the queue starts at the oldest.
  const queueJobs: QueueJob[] = [
    ...running.map((job) => ({ job, state: 'running' as const, position: undefined })),
    ...[...queued]
      .reverse()
      .map((job, i) => ({ job, state: 'queued' as const, position: queuedCount - queued.length + i + 1 })),
  ].map(({ job, state, position }) => ({
    id: job.id,
    key: `${job.key.agent}:${job.key.repo}#${job.key.issue}`,
    agent: job.key.agent,
    repo: job.key.repo,
    issue: job.key.issue,
    url: link(job.key.repo, job.key.issue),
    state,
    ageMs: now - (state === 'running' ? (job.startedAt ?? job.createdAt) : job.createdAt),
    position,
    statusLine: state === 'running' ? sources.liveStatus?.(job.id) : undefined,
  }));
  const workingAgents = new Set(running.map((job) => job.key.agent));
  const todayByAgent = new Map(today.map((t) => [t.agent, t]));
  const agents = sources.agents.map((agent): AgentStatus => {
    const spent = todayByAgent.get(agent.name);
    const pause = pauses.find((p) => p.agent === agent.name);
    const costToday = spent?.costUsd ?? 0;
    return {
      name: agent.name,
      state: workingAgents.has(agent.name) ? 'working' : pause ? 'paused' : 'idle',
      pausedWhy: pause ? `${pause.key}: ${pause.reason}` : undefined,
      runsToday: spent?.runs ?? 0,
      costTodayUsd: costToday,
      budgetLeftUsd: Math.max(0, (agent.limits.maxDailyUsd ?? sources.defaultMaxDailyUsd) - costToday),
    };
  });
  return {
    generatedAt: now,
    isolation: sources.isolation,
    disk: latest && diskStatus(latest, history),
    queue: { queued: queuedCount, running: counts.running ?? 0, jobs: queueJobs },
    agents,
    pauses: pauses.map((p) => ({ key: p.key, until: p.until, reason: p.reason })),
    runs: runs.map((run) => ({
      id: run.id,
      agent: run.agent,
      repo: run.repo,
      issue: run.issue,
      url: link(run.repo, run.issue),
      startedAt: run.startedAt,
      outcome: run.outcome ?? (run.finishedAt === undefined ? 'running' : 'unknown'),
      durationMs: run.finishedAt === undefined ? undefined : run.finishedAt - run.startedAt,
      costUsd: run.costUsd,
      session: run.session,
      prompt: run.promptKind,
      isolation: run.isolation,
    })),
    sessions: {
      active: sum(sessions.map((s) => s.active)),
      closed: sum(sessions.map((s) => s.closed)),
      oldestActiveAt: minOf(sessions.map((s) => s.oldestActiveAt)),
      byAgent: sessions,
    },
    sweeper: { available: sources.sweeps !== undefined, last: lastSweep },
    intake: {
      lastHour: {
        accepted: deliveries.accepted ?? 0,
        duplicate: deliveries.duplicate ?? 0,
        rejected,
        ignored: deliveries.ignored ?? 0,
      },
      skips,
      lastPoll,
    },
    doctor: await sources.doctor?.(),
    milestones: milestones && {
      shown: milestones.reports.map((report) => ({
        ...report,
        url: link(report.repo, report.tracking),
        issuesUrl: link(report.repo, report.tracking).replace(/\d+$/, ''),
      })),
      closed: milestones.closed,
      more: milestones.more,
    },
    pulls: pulls && {
      shown: pulls.shown.map(({ pull, view }) => ({
        ...view,
        url: pullLink(pull.repo, pull.number),
        issueUrl: link(pull.repo, pull.issue),
      })),
      more: pulls.more,
    },
  };
}

/** The open pull requests shown, each with its view, and whether more are open. */
async function loadOpenPulls(reads: PullReads) {
  // One more than shown, to know whether there are more.
  const pulls = await reads.watched.listWatched({ open: true, limit: PULL_LIMIT + 1 });
  return {
    shown: pulls.slice(0, PULL_LIMIT).map((pull) => ({ pull, view: pullView(pull, reads.cap) })),
    more: pulls.length > PULL_LIMIT,
  };
}

function diskStatus(
  latest: NonNullable<Awaited<ReturnType<DiskSamples['latest']>>>,
  history: Awaited<ReturnType<DiskSamples['history']>>,
): DiskStatus {
  const k = latest.kinds;
  const stride = Math.max(1, Math.ceil(history.length / CHART_POINTS));
  return {
    measuredAt: latest.measuredAt,
    freeBytes: latest.freeBytes,
    totalBytes: latest.totalBytes,
    usedBytes: k.caches + k.worktrees + k.attic + k.transcripts + k.database,
    kinds: k,
    byAgent: byBytes(latest.byAgent),
    byRepository: byBytes(latest.byRepository),
    history: history.filter((_, i) => i % stride === 0 || i === history.length - 1),
  };
}

function byBytes(record: Readonly<Record<string, number>>): NamedBytes[] {
  return Object.entries(record)
    .map(([name, bytes]) => ({ name, bytes }))
    .sort((a, b) => b.bytes - a.bytes || a.name.localeCompare(b.name));
}

/** `host/owner/name` + issue → the issue's page on the forge (Gitea redirects an issue number that is a PR); a PR's with `pulls`. */
function issueLink(forgeUrl: string | undefined, kind: 'issues' | 'pulls' = 'issues') {
  const base = forgeUrl?.replace(/\/+$/, '');
  return (repo: string, issue: number): string => {
    const [host, ...rest] = repo.split('/');
    return `${base ?? `https://${host}`}/${rest.map(encodeURIComponent).join('/')}/${kind}/${issue}`;
  };
}

export function utcMidnight(now: number): number {
  return now - (now % DAY);
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function minOf(values: ReadonlyArray<number | undefined>): number | undefined {
  const defined = values.filter((v): v is number => v !== undefined);
  return defined.length > 0 ? Math.min(...defined) : undefined;
}

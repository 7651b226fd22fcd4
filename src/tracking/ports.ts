/**
 * What the milestone driver needs from the world, each a slice of a port that exists: the forge
 * as the service's own credential reads it, the forge as the planner writes the tracking issue,
 * the intake's store for the events it makes up, the job queue for what is in flight, and the
 * milestone store (`milestones/ports.ts`). Implemented by the REST client and the store; tests
 * pass small fakes.
 */
import type { ForgeClient } from '../forge/client.js';
import type { DeliveryStore } from '../intake/ports.js';
import type { JobStore } from '../queue/ports.js';

/** Reads issues, their native dependencies and the repository (the service's credential). */
export type IssueReader = Pick<
  ForgeClient,
  'getIssue' | 'listDependencies' | 'getRepository' | 'listIssuesUpdatedSince' | 'listPulls'
>;

/** Writes the tracking issue: its block and the comment naming its problems (the planner's client). */
export type TrackingWriter = Pick<ForgeClient, 'editIssueBody' | 'createComment'>;

/** Where the driver's own events go: stored like a polled event, durably, before they are routed. */
export type EventLog = Pick<DeliveryStore, 'record'>;

/** What tells a story in flight: queued and running jobs, and events not routed yet. */
export type JobsInFlight = Pick<JobStore, 'listJobs' | 'undispatchedEvents'>;

/** The `milestones:` configuration, as the driver reads it. */
export interface MilestoneSettings {
  /** The opt-in label of a tracking issue. */
  readonly label: string;
  /** Repositories (`owner/name`) whose tracking issues are opted in without the label. */
  readonly repositories: readonly string[];
  /** Stacked starts, unless the tracking issue's `<label>/stacked` label turns them on. */
  readonly stacking: boolean;
  readonly maxInFlight: number;
  /** The label that asks the planner for a plan. */
  readonly planLabel: string;
}

/** The label that turns stacked starts on for one milestone: `<label>/stacked`. */
export const stackedLabel = (settings: Pick<MilestoneSettings, 'label'>): string => `${settings.label}/stacked`;

/** Whether an issue's labels hold `label` (the forge compares label names without case). */
export const hasLabel = (labels: readonly string[], label: string): boolean =>
  labels.some((name) => name.toLowerCase() === label.toLowerCase());

export { finaliseOrphaned, type OrphanedStatus } from './finalise-orphaned.js';
export { describeUnpushedWork, type UnpushedWork } from './local-work.js';
export { isStatusComment, statusJobOf, statusMarker } from '../../core/status-marker.js';
export { renderOrphaned, renderStatus, type StatusContext } from './render-status.js';
export { createStatusReporter, type StatusReporter, type StatusReporterOptions } from './status-reporter.js';
export type { RunStatus } from './types.js';
export type { RunOutcomeKind } from '../../core/run-outcome.js';

export { finaliseOrphaned, type OrphanedStatus } from './finalise-orphaned.js';
export { describeUnpushedWork, type UnpushedWork } from './local-work.js';
export { isStatusComment, statusJobOf, statusMarker } from './marker.js';
export { renderOrphaned, renderStatus, type StatusContext } from './render-status.js';
export { createStatusReporter, type StatusReporter, type StatusReporterOptions } from './status-reporter.js';
export type { RunOutcomeKind, RunStatus } from './types.js';

/**
 * What became of a delivery, in one line an operator can read: the event it became and each
 * agent's part in it — `dev: queued job 12 (mention)`, `dev: skipped — mallory has no write
 * access …`. Shared by `claude-hooks deliveries` and `GET /api/deliveries`, so both say the same.
 */
import type { AgentDecision, DeliverySummary } from './ports.js';

export function describeOutcome(delivery: DeliverySummary): string {
  if (delivery.eventId === null) return delivery.reason ?? '';
  return `event ${delivery.eventId}: ${describeRouting(delivery)}`;
}

export function describeRouting(delivery: DeliverySummary): string {
  const routing = delivery.routing;
  if (routing === null) return '';
  if (routing.routedAt === null) return 'not routed yet (waiting for the forge to answer, or for the service to run)';
  if (routing.decisions.length === 0) return 'no agent’s trigger matched';
  return routing.decisions.map(describeDecision).join('; ');
}

function describeDecision(decision: AgentDecision): string {
  const who = decision.agent === '*' ? 'all agents' : decision.agent;
  if (decision.kind === 'skipped') return `${who}: skipped — ${decision.reason}`;
  if (decision.state === 'queued') return `${who}: queued job ${decision.jobId} (${decision.trigger})`;
  return `${who}: job ${decision.jobId} ${decision.state} (${decision.trigger})`;
}

/**
 * The pump's CloudWatch metrics (EMF through Powertools), one document per source run or
 * reconciliation, with a `sourceId` dimension; the alarms (infra/alarms.ts) and `status` read them.
 */
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { ReconcileReport } from './reconcile.ts';
import type { RunResult } from './runner.ts';

/** Publishes a reconciliation's count of missing events (the MissingEvents alarm) with a `sourceId` dimension. */
export function publishReconcileMetrics(metrics: Metrics, report: ReconcileReport): void {
  metrics.addDimensions({ sourceId: report.sourceId });
  metrics.addMetric('MissingEvents', MetricUnit.Count, report.missing);
  metrics.publishStoredMetrics();
}

/** Publishes one source's run as EMF metrics with a `sourceId` dimension. */
export function publishRunMetrics(metrics: Metrics, result: RunResult): void {
  metrics.addDimensions({ sourceId: result.sourceId });
  metrics.addMetric('Events', MetricUnit.Count, result.events);
  metrics.addMetric('Pages', MetricUnit.Count, result.pages);
  metrics.addMetric('Rejected', MetricUnit.Count, result.rejected);
  metrics.addMetric('Retries', MetricUnit.Count, result.retries);
  // Every wait for throttling: the vendor's back-offs, this run's or another run's of the scope, and the budget.
  metrics.addMetric('ThrottledWait', MetricUnit.Milliseconds, result.throttledWaitMs);
  metrics.addMetric('BudgetWait', MetricUnit.Milliseconds, result.budgetWaitMs);
  metrics.addMetric('BudgetRefused', MetricUnit.Count, result.budgetRefused);
  metrics.addMetric('Duration', MetricUnit.Milliseconds, result.durationMs);
  metrics.addMetric('RunFailed', MetricUnit.Count, result.status === 'failed' ? 1 : 0);
  if (result.cursorLagSeconds !== undefined)
    metrics.addMetric('CursorLag', MetricUnit.Seconds, Math.round(result.cursorLagSeconds));
  if (result.clockSkewSeconds !== undefined)
    metrics.addMetric('ClockSkew', MetricUnit.Seconds, result.clockSkewSeconds);
  metrics.publishStoredMetrics();
}

import type { Caller } from '../caller.ts';
import { DomainError, invalid } from '../errors.ts';
import type { Channel } from '../model.ts';
import type { Clock, ReportStore } from '../ports.ts';
import { dimensionOf } from '../reporting/counters.ts';
import { type MetricsReport, metricsReport } from '../reporting/metrics.ts';

/** The longest period one report covers (at most 13 monthly Queries). */
export const MAX_METRICS_DAYS = 366;
/** Without `from`, a report covers this many days up to `to`. */
export const DEFAULT_REPORT_DAYS = 30;

export interface ReportQuery {
  /** First day, YYYY-MM-DD (UTC); default: DEFAULT_REPORT_DAYS − 1 days before `to`. */
  readonly from?: string | undefined;
  /** Last day, inclusive; default: today (UTC). */
  readonly to?: string | undefined;
  readonly group?: string | undefined;
  readonly channel?: Channel | undefined;
  readonly agent?: string | undefined;
}

const DAY_MS = 86_400_000;

function dayOf(value: string, path: string): number {
  const at = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00.000Z`) : Number.NaN;
  if (Number.isNaN(at) || new Date(at).toISOString().slice(0, 10) !== value) {
    throw invalid(path, 'must be a day as YYYY-MM-DD');
  }
  return at;
}

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The support metrics of a period, for the whole tenant, a group, a channel, both, or an agent. */
export function makeGetReportMetrics(deps: { readonly reports: ReportStore; readonly clock: Clock }) {
  return async function getReportMetrics(caller: Caller, query: ReportQuery): Promise<MetricsReport> {
    const toMs =
      query.to === undefined
        ? Date.parse(`${deps.clock.now().slice(0, 10)}T00:00:00.000Z`)
        : dayOf(query.to, 'to');
    const fromMs =
      query.from === undefined ? toMs - (DEFAULT_REPORT_DAYS - 1) * DAY_MS : dayOf(query.from, 'from');
    if (fromMs > toMs) throw invalid('from', 'must not be after `to`');
    if ((toMs - fromMs) / DAY_MS + 1 > MAX_METRICS_DAYS) {
      throw invalid('to', `a report covers at most ${MAX_METRICS_DAYS} days`);
    }
    if (query.agent !== undefined && (query.group !== undefined || query.channel !== undefined)) {
      throw new DomainError('validation', 'agent: combines with neither group nor channel', [
        { path: 'agent', message: 'combines with neither group nor channel' },
      ]);
    }
    const from = isoDay(fromMs);
    const until = isoDay(toMs);
    const counters = await deps.reports.read(caller.tenantId, dimensionOf(query), from, until);
    return metricsReport(from, until, counters);
  };
}

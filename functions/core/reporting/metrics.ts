import { EASY_FROM, MAX_EFFORT, MIN_EFFORT } from '../surveys.ts';
import { COUNTERS, effortCounter } from './counters.ts';
import { BUCKET_COUNT, percentile } from './histogram.ts';

/** Counters per day (`YYYY-MM-DD` → counter → count) of one dimension, as the report store reads them. */
export type CountersByDay = ReadonlyMap<string, Readonly<Record<string, number>>>;

export interface TimeMetric {
  /** Durations counted. */
  readonly count: number;
  readonly medianMinutes: number | null;
  readonly p90Minutes: number | null;
}

export interface SlaCompliance {
  readonly met: number;
  readonly breached: number;
  /** met / (met + breached); null when neither. */
  readonly rate: number | null;
}

/** The standard support metrics of a period (definitions: the contract's MetricsReport). */
export interface MetricsReport {
  readonly from: string;
  readonly to: string;
  readonly volume: {
    readonly created: number;
    readonly solved: number;
    readonly reopened: number;
    /** Net change of the backlog over the period: created + reopened − solved. */
    readonly backlog: number;
  };
  readonly resolutionRate: number | null;
  readonly csat: { readonly responses: number; readonly score: number | null };
  /** Customer effort score: answers to the effort question (1–7), their mean, the share of 5–7. */
  readonly ces: {
    readonly responses: number;
    readonly average: number | null;
    readonly easyShare: number | null;
  };
  readonly firstReply: TimeMetric;
  readonly resolution: TimeMetric;
  readonly slaCompliance: Readonly<Record<string, SlaCompliance>>;
  readonly escalations: readonly { readonly reason: string; readonly count: number }[];
}

const ratio = (part: number, whole: number, digits = 3) =>
  whole === 0 ? null : Math.round((part / whole) * 10 ** digits) / 10 ** digits;

function cesOf(total: (counter: string) => number): MetricsReport['ces'] {
  let responses = 0;
  let sum = 0;
  let easy = 0;
  for (let effort = MIN_EFFORT; effort <= MAX_EFFORT; effort++) {
    const n = total(effortCounter(effort));
    responses += n;
    sum += n * effort;
    if (effort >= EASY_FROM) easy += n;
  }
  return { responses, average: ratio(sum, responses, 2), easyShare: ratio(easy, responses) };
}

function timeMetric(totals: ReadonlyMap<string, number>, prefix: 'frt' | 'res'): TimeMetric {
  const counts = Array.from({ length: BUCKET_COUNT }, (_, i) => totals.get(`${prefix}.${i}`) ?? 0);
  return {
    count: counts.reduce((sum, n) => sum + n, 0),
    medianMinutes: percentile(counts, 0.5),
    p90Minutes: percentile(counts, 0.9),
  };
}

/** The report of a period from its counters (summed over the days). */
export function metricsReport(from: string, to: string, byDay: CountersByDay): MetricsReport {
  const totals = new Map<string, number>();
  for (const counts of byDay.values()) {
    for (const [counter, n] of Object.entries(counts)) totals.set(counter, (totals.get(counter) ?? 0) + n);
  }
  const total = (counter: string) => totals.get(counter) ?? 0;
  const created = total(COUNTERS.created);
  const solved = total(COUNTERS.solved);
  const reopened = total(COUNTERS.reopened);
  const responses = total(COUNTERS.csatResponses);

  const sla: Record<string, { met: number; breached: number }> = {};
  const escalations: { reason: string; count: number }[] = [];
  for (const [counter, n] of totals) {
    const slaCounter = /^sla\.(.+)\.(met|breached)$/.exec(counter);
    if (slaCounter) {
      const entry = sla[slaCounter[1]!] ?? { met: 0, breached: 0 };
      entry[slaCounter[2] as 'met' | 'breached'] += n;
      sla[slaCounter[1]!] = entry;
    } else if (counter.startsWith('esc.') && n > 0) {
      escalations.push({ reason: counter.slice(4), count: n });
    }
  }
  escalations.sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : 1));

  return {
    from,
    to,
    volume: { created, solved, reopened, backlog: created + reopened - solved },
    resolutionRate: ratio(solved, created),
    csat: { responses, score: ratio(total(COUNTERS.csatSatisfied) * 100, responses, 1) },
    ces: cesOf(total),
    firstReply: timeMetric(totals, 'frt'),
    resolution: timeMetric(totals, 'res'),
    slaCompliance: Object.fromEntries(
      Object.entries(sla)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([metric, { met, breached }]) => [metric, { met, breached, rate: ratio(met, met + breached) }]),
    ),
    escalations,
  };
}

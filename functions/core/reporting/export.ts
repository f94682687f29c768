import type { Ticket } from '../model.ts';

/** What an export row shows of a ticket: the store reads only these fields. */
export const EXPORTED_TICKET_FIELDS = [
  'number',
  'subject',
  'status',
  'priority',
  'type',
  'channel',
  'group',
  'assignee',
  'requester',
  'tags',
  'createdAt',
  'updatedAt',
  'solvedAt',
  'closedAt',
  'sla',
] as const satisfies readonly (keyof Ticket)[];

export type ExportedTicket = Pick<Ticket, (typeof EXPORTED_TICKET_FIELDS)[number]>;

import { NONE } from './counters.ts';
import type { CsvValue } from './csv.ts';
import { type CountersByDay, metricsReport } from './metrics.ts';

/**
 * The rows of report exports (pure): the metrics of every day × dimension bucket the counters hold, and one row
 * per ticket. The CSV itself is csv.ts's.
 */

export type Breakdown = 'all' | 'group' | 'channel' | 'group_channel' | 'agent';

export interface DimensionParts {
  readonly breakdown: Breakdown;
  /** `''` stands for "no group" / "unassigned" within a breakdown by group or agent. */
  readonly group: string | null;
  readonly channel: string | null;
  readonly agent: string | null;
}

const BREAKDOWN_ORDER: readonly Breakdown[] = ['all', 'group', 'channel', 'group_channel', 'agent'];
const name = (part: string | undefined) => (part === undefined || part === NONE ? '' : part);

/** What a counter dimension (counters.ts) stands for; null for one this version does not know. */
export function dimensionParts(dimension: string): DimensionParts | null {
  const [kind, first, second, ...rest] = dimension.split('#');
  if (rest.length > 0) return null;
  if (kind === 'ALL' && first === undefined)
    return { breakdown: 'all', group: null, channel: null, agent: null };
  if (first === undefined) return null;
  if (kind === 'G' && second === undefined)
    return { breakdown: 'group', group: name(first), channel: null, agent: null };
  if (kind === 'C' && second === undefined)
    return { breakdown: 'channel', group: null, channel: name(first), agent: null };
  if (kind === 'GC' && second !== undefined) {
    return { breakdown: 'group_channel', group: name(first), channel: name(second), agent: null };
  }
  if (kind === 'A' && second === undefined)
    return { breakdown: 'agent', group: null, channel: null, agent: name(first) };
  return null;
}

export interface ExportFilter {
  readonly group?: string | undefined;
  readonly channel?: string | undefined;
}

/**
 * Whether a dimension belongs in an export with this filter: everything without one; with a group, that
 * group's bucket and its group × channel cells; with a channel, likewise; with both, their one cell. Agent
 * buckets cross every group and channel, so only an unfiltered export has them.
 */
export function inExport(parts: DimensionParts, filter: ExportFilter): boolean {
  const { group, channel } = filter;
  if (group === undefined && channel === undefined) return true;
  if (group !== undefined && channel !== undefined) {
    return parts.breakdown === 'group_channel' && parts.group === group && parts.channel === channel;
  }
  if (group !== undefined) {
    return (parts.breakdown === 'group' || parts.breakdown === 'group_channel') && parts.group === group;
  }
  return (parts.breakdown === 'channel' || parts.breakdown === 'group_channel') && parts.channel === channel;
}

export const METRICS_EXPORT_HEADER = [
  'day',
  'breakdown',
  'group',
  'channel',
  'agent',
  'created',
  'solved',
  'reopened',
  'first_replies',
  'first_reply_median_minutes',
  'resolutions',
  'resolution_median_minutes',
  'csat_responses',
  'csat_score',
  'ces_responses',
  'ces_average',
  'ces_easy_share',
  'sla_met',
  'sla_breached',
  'sla_compliance',
] as const;

/**
 * One row per day and dimension bucket that has counters, day by day, then whole tenant, groups, channels,
 * group × channel cells and agents, each by name. Each row is that day's metrics report of that bucket
 * (metrics.ts): the same definitions as `GET /v1/reports/metrics` over one day.
 */
export function metricsExportRows(
  byDimension: ReadonlyMap<string, CountersByDay>,
  filter: ExportFilter = {},
): CsvValue[][] {
  const cells: { day: string; parts: DimensionParts; counts: Readonly<Record<string, number>> }[] = [];
  for (const [dimension, byDay] of byDimension) {
    const parts = dimensionParts(dimension);
    if (!parts || !inExport(parts, filter)) continue;
    for (const [day, counts] of byDay) cells.push({ day, parts, counts });
  }
  const key = (cell: (typeof cells)[number]) =>
    [
      cell.day,
      BREAKDOWN_ORDER.indexOf(cell.parts.breakdown),
      cell.parts.group ?? '',
      cell.parts.channel ?? '',
      cell.parts.agent ?? '',
    ].join('\u0000');
  cells.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  return cells.map(({ day, parts, counts }) => {
    const report = metricsReport(day, day, new Map([[day, counts]]));
    let met = 0;
    let breached = 0;
    for (const metric of Object.values(report.slaCompliance)) {
      met += metric.met;
      breached += metric.breached;
    }
    return [
      day,
      parts.breakdown,
      parts.group,
      parts.channel,
      parts.agent,
      report.volume.created,
      report.volume.solved,
      report.volume.reopened,
      report.firstReply.count,
      report.firstReply.medianMinutes,
      report.resolution.count,
      report.resolution.medianMinutes,
      report.csat.responses,
      report.csat.score,
      report.ces.responses,
      report.ces.average,
      report.ces.easyShare,
      met,
      breached,
      met + breached === 0 ? null : Math.round((met / (met + breached)) * 1000) / 1000,
    ];
  });
}

export const TICKETS_EXPORT_HEADER = [
  'number',
  'subject',
  'status',
  'priority',
  'type',
  'channel',
  'group',
  'assignee',
  'requester_id',
  'requester_email',
  'requester_name',
  'tags',
  'created_at',
  'updated_at',
  'solved_at',
  'closed_at',
  'sla_policy',
  'sla_breached',
] as const;

/** A ticket as one export row (tags space-separated: they never hold spaces). */
export function ticketExportRow(ticket: ExportedTicket): CsvValue[] {
  return [
    ticket.number,
    ticket.subject,
    ticket.status,
    ticket.priority,
    ticket.type,
    ticket.channel,
    ticket.group,
    ticket.assignee,
    ticket.requester.id,
    ticket.requester.email,
    ticket.requester.name,
    ticket.tags.join(' '),
    ticket.createdAt,
    ticket.updatedAt,
    ticket.solvedAt,
    ticket.closedAt,
    ticket.sla?.policy.name ?? null,
    ticket.sla ? ticket.sla.metrics.some((metric) => metric.breached) : null,
  ];
}

import type { Caller } from '../caller.ts';
import { DomainError, invalid } from '../errors.ts';
import type { Channel } from '../model.ts';
import type { Clock, ExportStore, Ids, ReportStore } from '../ports.ts';
import { dimensionOf } from '../reporting/counters.ts';
import { csvRecord, toCsv } from '../reporting/csv.ts';
import {
  METRICS_EXPORT_HEADER,
  metricsExportRows,
  TICKETS_EXPORT_HEADER,
  ticketExportRow,
} from '../reporting/export.ts';
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

/** The days a report covers: `from` and `to` checked, defaulted and bounded (MAX_METRICS_DAYS). */
function periodOf(query: Pick<ReportQuery, 'from' | 'to'>, clock: Clock): { from: string; to: string } {
  const toMs =
    query.to === undefined ? Date.parse(`${clock.now().slice(0, 10)}T00:00:00.000Z`) : dayOf(query.to, 'to');
  const fromMs =
    query.from === undefined ? toMs - (DEFAULT_REPORT_DAYS - 1) * DAY_MS : dayOf(query.from, 'from');
  if (fromMs > toMs) throw invalid('from', 'must not be after `to`');
  if ((toMs - fromMs) / DAY_MS + 1 > MAX_METRICS_DAYS) {
    throw invalid('to', `a report covers at most ${MAX_METRICS_DAYS} days`);
  }
  return { from: isoDay(fromMs), to: isoDay(toMs) };
}

/** The support metrics of a period, for the whole tenant, a group, a channel, both, or an agent. */
export function makeGetReportMetrics(deps: { readonly reports: ReportStore; readonly clock: Clock }) {
  return async function getReportMetrics(caller: Caller, query: ReportQuery): Promise<MetricsReport> {
    const { from, to } = periodOf(query, deps.clock);
    if (query.agent !== undefined && (query.group !== undefined || query.channel !== undefined)) {
      throw new DomainError('validation', 'agent: combines with neither group nor channel', [
        { path: 'agent', message: 'combines with neither group nor channel' },
      ]);
    }
    const counters = await deps.reports.read(caller.tenantId, dimensionOf(query), from, to);
    return metricsReport(from, to, counters);
  };
}

/** How long an export's download link works. */
export const EXPORT_LINK_SECONDS = 15 * 60;
/** The most tickets one export lists; past it the file stops and the answer says `truncated`. */
export const MAX_EXPORT_TICKETS = 50_000;
/** Tickets read per Query page of the activity view. */
const EXPORT_PAGE = 1_000;

export type ExportKind = 'metrics' | 'tickets';

export interface ExportQuery {
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  readonly group?: string | undefined;
  readonly channel?: Channel | undefined;
  /** Default `metrics`. */
  readonly kind?: ExportKind | undefined;
}

export interface ReportExport {
  readonly kind: ExportKind;
  readonly from: string;
  readonly to: string;
  /** The object in the exports bucket: `exports/{tenant}/{ulid}.csv`. */
  readonly key: string;
  /** Pre-signed GET of the CSV, valid until `expiresAt`. */
  readonly url: string;
  readonly expiresAt: string;
  /** Data rows in the file (the header not counted). */
  readonly rows: number;
  /** More tickets were active in the range than MAX_EXPORT_TICKETS: the file lists the oldest activity first. */
  readonly truncated: boolean;
}

/**
 * Writes a report of a period as CSV to the exports bucket and answers with a 15-minute download link.
 *
 * - `metrics`: one row per day × dimension bucket (whole tenant, group, channel, group × channel, agent) that
 *   has counters, from the reporting counters (one Query per month of the period: every dimension at once);
 * - `tickets`: one row per ticket whose latest activity falls in the period (UTC days), oldest activity first,
 *   from the tenant's activity view (one Query per page), at most MAX_EXPORT_TICKETS rows.
 *
 * `group` and `channel` narrow either kind. Nothing is ever scanned.
 */
export function makeExportReport(deps: {
  readonly reports: ReportStore;
  readonly exports: ExportStore;
  readonly clock: Clock;
  readonly ids: Ids;
  /** Default MAX_EXPORT_TICKETS. */
  readonly maxExportTickets?: number | undefined;
}) {
  const maxTickets = deps.maxExportTickets ?? MAX_EXPORT_TICKETS;
  return async function exportReport(caller: Caller, query: ExportQuery): Promise<ReportExport> {
    const { from, to } = periodOf(query, deps.clock);
    const kind = query.kind ?? 'metrics';
    const filter = { group: query.group, channel: query.channel };
    let csv: string;
    let rows = 0;
    let truncated = false;
    if (kind === 'metrics') {
      const table = metricsExportRows(await deps.reports.readAll(caller.tenantId, from, to), filter);
      csv = toCsv(METRICS_EXPORT_HEADER, table);
      rows = table.length;
    } else {
      // Chunks joined once at the end: tens of thousands of rows without quadratic string building.
      const chunks = [csvRecord(TICKETS_EXPORT_HEADER)];
      const range = { from: `${from}T00:00:00.000Z`, to: `${to}T23:59:59.999Z` };
      let cursor: string | undefined;
      do {
        const page = await deps.reports.ticketsActive(caller.tenantId, range, filter, {
          limit: EXPORT_PAGE,
          cursor,
        });
        for (const ticket of page.items) {
          // One ticket past the cap is what makes the export truncated (not merely full).
          if (rows === maxTickets) {
            truncated = true;
            break;
          }
          chunks.push(csvRecord(ticketExportRow(ticket)));
          rows += 1;
        }
        cursor = page.nextCursor ?? undefined;
      } while (cursor && !truncated);
      csv = chunks.join('');
    }
    const key = `exports/${caller.tenantId}/${deps.ids.next()}.csv`;
    await deps.exports.put(key, csv, {
      contentType: 'text/csv; charset=utf-8',
      filename: `deskless-${kind}-${from}-to-${to}.csv`,
    });
    const { url, expiresAt } = await deps.exports.signedUrl(key, EXPORT_LINK_SECONDS);
    return { kind, from, to, key, url, expiresAt, rows, truncated };
  };
}

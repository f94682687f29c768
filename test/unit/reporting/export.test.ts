import { beforeEach, describe, expect, it } from 'vitest';
import type { Caller } from '../../../functions/core/caller.ts';
import { DomainError } from '../../../functions/core/errors.ts';
import type { Ticket } from '../../../functions/core/model.ts';
import {
  CounterAdds,
  dimensionsOf,
  effortCounter,
  firstReplyBucket,
  resolutionBucket,
  slaBreached,
  slaMet,
} from '../../../functions/core/reporting/counters.ts';
import {
  dimensionParts,
  METRICS_EXPORT_HEADER,
  metricsExportRows,
  TICKETS_EXPORT_HEADER,
  ticketExportRow,
} from '../../../functions/core/reporting/export.ts';
import { openTicket } from '../../../functions/core/tickets.ts';
import { EXPORT_LINK_SECONDS, makeExportReport } from '../../../functions/core/use-cases/reports.ts';
import { memoryPorts } from '../../support/in-memory-ports.ts';

const admin: Caller = {
  tenantId: 'acme',
  role: 'admin',
  keyId: 'key_1',
  actor: { type: 'agent', id: 'agt_bo' },
};

/** The rows of a CSV as objects by header (fields here hold no commas or quotes). */
function rowsOf(csv: string): Record<string, string>[] {
  const [header, ...lines] = csv.trimEnd().split('\r\n');
  const names = header!.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((value, i) => [names[i], value])));
}

describe('counter dimensions in exports', () => {
  it('name their breakdown and its group, channel or agent; "none" is empty', () => {
    expect(dimensionParts('ALL')).toEqual({ breakdown: 'all', group: null, channel: null, agent: null });
    expect(dimensionParts('G#grp_1')).toMatchObject({ breakdown: 'group', group: 'grp_1' });
    expect(dimensionParts('G#~')).toMatchObject({ breakdown: 'group', group: '' });
    expect(dimensionParts('C#email')).toMatchObject({ breakdown: 'channel', channel: 'email' });
    expect(dimensionParts('GC#grp_1#api')).toMatchObject({
      breakdown: 'group_channel',
      group: 'grp_1',
      channel: 'api',
    });
    expect(dimensionParts('A#~')).toMatchObject({ breakdown: 'agent', agent: '' });
    for (const unknown of ['X#1', 'ALL#x', 'G', 'GC#a', 'A#a#b']) expect(dimensionParts(unknown)).toBeNull();
  });
});

describe('metrics export rows', () => {
  const day = '2026-03-02';
  function counters() {
    const adds = new CounterAdds();
    const billingEmail = dimensionsOf({ group: 'billing', channel: 'email', assignee: 'agt_1' });
    const noneApi = dimensionsOf({ group: null, channel: 'api', assignee: null });
    adds.addAll('acme', day, billingEmail, 'created', 2);
    adds.addAll('acme', day, billingEmail, 'solved');
    adds.addAll('acme', day, billingEmail, resolutionBucket(6)); // (30, 60] minutes
    adds.addAll('acme', day, billingEmail, firstReplyBucket(4)); // (10, 15]
    adds.addAll('acme', day, billingEmail, 'csat.responses', 2);
    adds.addAll('acme', day, billingEmail, 'csat.satisfied');
    adds.addAll('acme', day, billingEmail, effortCounter(7));
    adds.addAll('acme', day, billingEmail, effortCounter(2));
    adds.addAll('acme', day, billingEmail, slaMet('first_reply'), 3);
    adds.addAll('acme', day, billingEmail, slaBreached('resolution'));
    adds.addAll('acme', '2026-03-03', noneApi, 'created');
    return adds;
  }

  async function byDimension() {
    const ports = memoryPorts();
    await ports.reports.add({ counters: counters(), firstReplies: [] });
    return ports.reports.readAll('acme', '2026-03-01', '2026-03-31');
  }

  it('has one row per day × bucket, each that bucket’s metrics of the day', async () => {
    const rows = metricsExportRows(await byDimension());
    // Day 1: all, group billing, channel email, billing × email, agent agt_1; day 2 the same five.
    expect(rows.map((r) => [r[0], r[1], r[2], r[3], r[4]])).toEqual([
      [day, 'all', null, null, null],
      [day, 'group', 'billing', null, null],
      [day, 'channel', null, 'email', null],
      [day, 'group_channel', 'billing', 'email', null],
      [day, 'agent', null, null, 'agt_1'],
      ['2026-03-03', 'all', null, null, null],
      ['2026-03-03', 'group', '', null, null],
      ['2026-03-03', 'channel', null, 'api', null],
      ['2026-03-03', 'group_channel', '', 'api', null],
      ['2026-03-03', 'agent', null, null, ''],
    ]);
    const all = Object.fromEntries(METRICS_EXPORT_HEADER.map((name, i) => [name, rows[0]![i]]));
    expect(all).toEqual({
      day,
      breakdown: 'all',
      group: null,
      channel: null,
      agent: null,
      created: 2,
      solved: 1,
      reopened: 0,
      first_replies: 1,
      first_reply_median_minutes: 12.5,
      resolutions: 1,
      resolution_median_minutes: 45,
      csat_responses: 2,
      csat_score: 50,
      ces_responses: 2,
      ces_average: 4.5,
      ces_easy_share: 0.5,
      sla_met: 3,
      sla_breached: 1,
      sla_compliance: 0.75,
    });
  });

  it('keeps a group’s or a channel’s buckets and cells, or one cell for both; agents only unfiltered', async () => {
    const data = await byDimension();
    const kinds = (filter: { group?: string; channel?: string }) =>
      metricsExportRows(data, filter).map((r) => `${r[0]} ${r[1]} ${r[2] ?? ''}/${r[3] ?? ''}`);
    expect(kinds({ group: 'billing' })).toEqual([
      `${day} group billing/`,
      `${day} group_channel billing/email`,
    ]);
    expect(kinds({ channel: 'api' })).toEqual(['2026-03-03 channel /api', '2026-03-03 group_channel /api']);
    expect(kinds({ group: 'billing', channel: 'email' })).toEqual([`${day} group_channel billing/email`]);
    expect(kinds({ group: 'billing', channel: 'api' })).toEqual([]);
  });
});

describe('tickets export rows', () => {
  it('hold the ticket’s fields in the header’s order', () => {
    const { ticket } = openTicket(
      {
        tenantId: 'acme',
        number: 7,
        subject: '=cmd|calc',
        comment: { body: 'b', public: true },
        requester: { id: 'cus_1', email: 'ann@example.com', phone: null, name: 'Ann' },
        channel: 'email',
        tags: ['vip', 'billing'],
      },
      { type: 'agent', id: 'agt_1' },
      '2026-03-02T09:00:00.000Z',
      { next: () => '01J0000000000000000000000A' },
    );
    const row = Object.fromEntries(
      TICKETS_EXPORT_HEADER.map((name, i) => [name, ticketExportRow(ticket)[i]]),
    );
    expect(row).toMatchObject({
      number: 7,
      subject: '=cmd|calc',
      status: ticket.status,
      channel: 'email',
      requester_email: 'ann@example.com',
      requester_name: 'Ann',
      tags: ticket.tags.join(' '),
      created_at: '2026-03-02T09:00:00.000Z',
      solved_at: null,
      sla_policy: null,
      sla_breached: null,
    });
  });
});

describe('the export use case', () => {
  let ports: ReturnType<typeof memoryPorts>;
  let exportReport: ReturnType<typeof makeExportReport>;

  beforeEach(() => {
    ports = memoryPorts();
    ports.clock.advance(Date.parse('2026-03-10T12:00:00.000Z') - Date.parse(ports.clock.now()));
    exportReport = makeExportReport({ ...ports, maxExportTickets: 3 });
  });

  async function ticketAt(number: number, at: string, extra: Partial<Ticket> = {}) {
    const { ticket } = openTicket(
      {
        tenantId: 'acme',
        number,
        subject: `Ticket ${number}`,
        comment: { body: 'b', public: true },
        requester: { id: 'cus_1', email: 'ann@example.com', phone: null, name: null },
        channel: 'api',
      },
      { type: 'agent', id: 'agt_1' },
      at,
      ports.ids,
    );
    const saved = { ...ticket, ...extra };
    ports.tickets.tickets.set(`acme#${number}`, saved);
    return saved;
  }

  it('writes the metrics CSV under exports/{tenant}/{ulid}.csv and answers a 15-minute link', async () => {
    await ports.reports.add({
      counters: new CounterAdds().addAll(
        'acme',
        '2026-03-09',
        dimensionsOf({ channel: 'email' }),
        'created',
        4,
      ),
      firstReplies: [],
    });
    const result = await exportReport(admin, { from: '2026-03-01', to: '2026-03-10' });
    expect(result).toMatchObject({
      kind: 'metrics',
      from: '2026-03-01',
      to: '2026-03-10',
      rows: 5,
      truncated: false,
    });
    expect(result.key).toMatch(/^exports\/acme\/[^/]+\.csv$/);
    expect(Date.parse(result.expiresAt) - Date.parse(ports.clock.now())).toBe(EXPORT_LINK_SECONDS * 1000);
    const file = ports.exports.files.get(result.key)!;
    expect(file.contentType).toBe('text/csv; charset=utf-8');
    expect(file.filename).toBe('deskless-metrics-2026-03-01-to-2026-03-10.csv');
    const rows = rowsOf(file.body);
    expect(rows).toHaveLength(5);
    expect(rows[0]).toMatchObject({ day: '2026-03-09', breakdown: 'all', created: '4', solved: '0' });
    // Defaults: the last 30 days up to today.
    expect(await exportReport(admin, {})).toMatchObject({ from: '2026-02-09', to: '2026-03-10' });
  });

  it('lists the tickets last active in the range, oldest first, without spam, and says when it is cut', async () => {
    await ticketAt(1, '2026-02-28T23:59:59.999Z');
    await ticketAt(2, '2026-03-01T00:00:00.000Z');
    await ticketAt(3, '2026-03-05T10:00:00.000Z', { spam: true });
    await ticketAt(4, '2026-03-03T10:00:00.000Z');
    await ticketAt(5, '2026-03-04T23:59:59.999Z', { group: 'billing' });
    await ticketAt(6, '2026-03-05T00:00:00.000Z');
    const within = await exportReport(admin, { kind: 'tickets', from: '2026-03-01', to: '2026-03-04' });
    expect(within).toMatchObject({ kind: 'tickets', rows: 3, truncated: false });
    expect(rowsOf(ports.exports.files.get(within.key)!.body).map((r) => r.number)).toEqual(['2', '4', '5']);

    const billing = await exportReport(admin, {
      kind: 'tickets',
      from: '2026-03-01',
      to: '2026-03-31',
      group: 'billing',
    });
    expect(rowsOf(ports.exports.files.get(billing.key)!.body).map((r) => r.number)).toEqual(['5']);

    // Four in range, a cap of three: the oldest three, and `truncated`.
    const capped = await exportReport(admin, { kind: 'tickets', from: '2026-03-01', to: '2026-03-31' });
    expect(capped).toMatchObject({ rows: 3, truncated: true });
    expect(rowsOf(ports.exports.files.get(capped.key)!.body).map((r) => r.number)).toEqual(['2', '4', '5']);
  });

  it('refuses bad periods with a validation error and writes nothing', async () => {
    for (const query of [
      { from: '2026-03-05', to: '2026-03-01' },
      { from: '2025-01-01', to: '2026-03-01' },
      { from: '2026-02-30' },
    ]) {
      await expect(exportReport(admin, query)).rejects.toBeInstanceOf(DomainError);
    }
    expect(ports.exports.files.size).toBe(0);
  });

  it('is per tenant: another tenant’s tickets and counters never show', async () => {
    await ticketAt(1, '2026-03-02T10:00:00.000Z');
    const other = await ticketAt(2, '2026-03-02T11:00:00.000Z');
    ports.tickets.tickets.delete('acme#2');
    ports.tickets.tickets.set('other#2', { ...other, tenantId: 'other' });
    await ports.reports.add({
      counters: new CounterAdds().addAll('other', '2026-03-02', ['ALL'], 'created', 9),
      firstReplies: [],
    });
    const tickets = await exportReport(admin, { kind: 'tickets', from: '2026-03-01', to: '2026-03-10' });
    expect(rowsOf(ports.exports.files.get(tickets.key)!.body).map((r) => r.number)).toEqual(['1']);
    const metrics = await exportReport(admin, { from: '2026-03-01', to: '2026-03-10' });
    expect(metrics.rows).toBe(0);
    expect(ports.exports.files.get(metrics.key)!.body).toBe(`${METRICS_EXPORT_HEADER.join(',')}\r\n`);
  });
});

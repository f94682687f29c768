import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime.ts';
import { apiClient, eventually, type Json } from '../support/http-client.ts';
import { readSentMails, sendComposedMail, waitForSentMails } from '../support/smtp.ts';

/**
 * Satisfaction surveys and report exports on the local runtime: a mail becomes a ticket, an agent answers and
 * solves it, the outbox mails the requester the survey; its one-click link opens the page (which records
 * nothing), the form records the answer; the metrics show CSAT and CES; an export's link downloads the CSV
 * from the local S3.
 */
let runtime: LocalRuntime;
let dataDir: string;
let admin: string;
const api = apiClient(() => runtime.apiUrl);
const requester = 'survey-ann@example.org';
const subject = 'Invoice shows the wrong VAT';

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'deskless-e2e-reporting-'));
  runtime = await startLocalRuntime({ dataDir, inMemory: true, port: 0, smtpPort: 0 });
  admin = runtime.state.adminApiKey;
}, 60_000);

afterAll(async () => {
  await runtime?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const today = () => new Date().toISOString().slice(0, 10);
const metrics = async () =>
  (await api('GET', `/v1/reports/metrics?from=${today()}&to=${today()}`, admin)).body;

describe('surveys and exports on the local runtime', () => {
  let ticket: number;
  let scoreLink: string;

  it('mails the requester of a solved email ticket a survey, threaded on the conversation', async () => {
    await sendComposedMail({
      port: runtime.smtpPort,
      from: `Ann <${requester}>`,
      to: runtime.supportAddress,
      subject,
      text: 'The VAT on invoice 2026-118 is 19 %, it should be 7 %.',
      messageId: '<vat-1@example.org>',
    });
    const found = await eventually(
      async () => (await api('GET', '/v1/tickets?limit=50', admin)).body.items as Json[],
      (items) => items.some((t) => t.subject === subject),
    );
    ticket = found.find((t) => t.subject === subject).number;
    expect(
      (await api('POST', `/v1/tickets/${ticket}/comments`, admin, { body: 'Corrected, sorry!' })).status,
    ).toBe(201);
    expect((await api('PATCH', `/v1/tickets/${ticket}`, admin, { status: 'solved' })).status).toBe(200);

    const [survey] = await waitForSentMails(
      runtime.outboxUrl,
      (m) => m.destination.to.includes(requester) && /How did we do\?/.test(m.body.text ?? m.raw ?? ''),
      { timeoutMs: 30_000 },
    );
    expect(survey!.subject).toBe(`Re: [#${ticket}] ${subject}`);
    // In the thread: it answers a message of the conversation as it stood at the solve, and refers to its start.
    const thread = [
      '<vat-1@example.org>',
      ...(await readSentMails(runtime.outboxUrl))
        .filter((m) => m !== survey && m.destination.to.includes(requester))
        .map((m) => m.headers?.get('message-id')?.[0]),
    ];
    expect(thread).toContain(survey!.headers?.get('in-reply-to')?.[0]);
    expect(survey!.headers?.get('references')?.[0]).toContain('<vat-1@example.org>');
    const text = survey!.body.text ?? survey!.raw ?? '';
    const links = [...text.matchAll(/(http:\/\/127\.0\.0\.1:\d+\/v1\/surveys\/s1\.[^\s?]+)\?score=(\d)/g)];
    expect(links.map((m) => m[2])).toEqual(['1', '2', '3', '4', '5']);
    expect(new URL(links[0]![1]!).origin).toBe(new URL(runtime.apiUrl).origin);
    scoreLink = `${links[3]![1]}?score=4`;
  }, 60_000);

  it('opens the page with the score chosen and records nothing until the form is sent', async () => {
    for (let i = 0; i < 2; i++) {
      const page = await fetch(scoreLink);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      const html = await page.text();
      expect(html).toContain(subject);
      expect(html).toContain('name="score" value="4" checked');
    }
    expect((await metrics()).csat.responses).toBe(0);

    const form = new URL(scoreLink);
    form.search = '';
    const sent = await fetch(form, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ score: '4', effort: '6', comment: 'Quick fix, thanks' }),
    });
    expect(sent.status).toBe(201);
    expect(await sent.text()).toContain('Thank you');
    const again = await fetch(scoreLink);
    expect(await again.text()).toContain('already answered');
  });

  it('reports the answer as CSAT and CES, beside the metered volume', async () => {
    const report = await eventually(metrics, (r) => r.volume.solved >= 1 && r.volume.created >= 1);
    expect(report.csat).toEqual({ responses: 1, score: 100 });
    expect(report.ces).toEqual({ responses: 1, average: 6, easyShare: 1 });
    expect(report.volume).toMatchObject({ created: 1, solved: 1 });
  });

  it('exports the day’s metrics and tickets as CSV files behind 15-minute links', async () => {
    const exported = await api('GET', `/v1/reports/export?from=${today()}&to=${today()}`, admin);
    expect(exported.status).toBe(200);
    expect(exported.body).toMatchObject({ kind: 'metrics', truncated: false });
    const download = await fetch(exported.body.url);
    expect(download.status).toBe(200);
    const [header, ...rows] = (await download.text()).trimEnd().split('\r\n');
    expect(rows).toHaveLength(exported.body.rows);
    const columns = header!.split(',');
    const all = Object.fromEntries(
      rows
        .find((r) => r.startsWith(`${today()},all,`))!
        .split(',')
        .map((v, i) => [columns[i], v]),
    );
    expect(all).toMatchObject({
      created: '1',
      solved: '1',
      csat_responses: '1',
      csat_score: '100',
      ces_responses: '1',
      ces_average: '6',
      ces_easy_share: '1',
    });
    expect(rows.some((r) => r.startsWith(`${today()},channel,,email,`))).toBe(true);

    const tickets = await api('GET', `/v1/reports/export?kind=tickets&from=${today()}&to=${today()}`, admin);
    expect(tickets.body).toMatchObject({ kind: 'tickets', rows: 1 });
    const csv = await (await fetch(tickets.body.url)).text();
    const [ticketHeader, row] = csv.trimEnd().split('\r\n');
    const fields = Object.fromEntries(row!.split(',').map((v, i) => [ticketHeader!.split(',')[i], v]));
    expect(fields).toMatchObject({
      number: String(ticket),
      subject,
      status: 'solved',
      channel: 'email',
      requester_email: requester,
    });
  });
});

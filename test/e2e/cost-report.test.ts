import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buckets, mail } from '../../functions/topology.ts';
import { localBucketName, localS3Client } from '../../local/buckets.ts';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime.ts';
import { apiClient, type Json } from '../support/http-client.ts';
import { readSentMails, sendComposedMail } from '../support/smtp.ts';

/**
 * Finance's view of a small workload on the local runtime: tickets by API and by mail, replies, solves; then the
 * cost report's meters must match what was done (mails in = mails sent to SMTP, mails out = what SES sent,
 * tickets = tickets opened) and price the measured DynamoDB and Lambda usage.
 */
let runtime: LocalRuntime;
let dataDir: string;
let admin: string;

const api = apiClient(() => runtime.apiUrl);

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'deskless-e2e-cost-'));
  runtime = await startLocalRuntime({
    dataDir,
    inMemory: true,
    port: 0,
    smtpPort: 0,
    // Measured usage is flushed every 200 ms here instead of every minute.
    env: { DESKLESS_METERING_FLUSH_MS: '200' },
  });
  admin = runtime.state.adminApiKey;
}, 60_000);

afterAll(async () => {
  await runtime?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const meter = (report: Json, name: string) =>
  report.lineItems.find((item: { meter: string }) => item.meter === name)?.quantity ?? 0;

describe('the cost report of a small workload', () => {
  it('counts exactly what was done, and prices what was measured', async () => {
    const byApi: number[] = [];
    for (let i = 0; i < 3; i++) {
      const created = await api('POST', '/v1/tickets', admin, {
        subject: `Question ${i}`,
        comment: { body: 'How do I export my data?' },
        requester: { email: `api${i}@example.org` },
      });
      byApi.push(created.body.number);
    }
    const mailsIn = 4;
    // The first mail carries a photo: S3 then holds its raw MIME and the attachment kept from it.
    const photo = Buffer.alloc(3_000, 0xab);
    const rawKeys: string[] = [];
    for (let i = 0; i < mailsIn; i++) {
      const sent = await sendComposedMail({
        port: runtime.smtpPort,
        from: `Mail Customer ${i} <mail${i}@example.org>`,
        to: runtime.supportAddress,
        subject: `Printer ${i} on fire`,
        text: 'It is smoking, please help.',
        ...(i === 0 && {
          attachments: [{ filename: 'smoke.jpg', content: photo, contentType: 'image/jpeg' }],
        }),
      });
      rawKeys.push(`${mail.inboundPrefix}${sent.sesMessageId}`);
    }
    // Every mail becomes a ticket; an agent answers and solves each of them.
    const deadline = Date.now() + 30_000;
    let emailTickets: Json[] = [];
    while (Date.now() < deadline) {
      const list = await api('GET', '/v1/tickets?limit=50', admin);
      emailTickets = list.body.items.filter((t: { channel: string }) => t.channel === 'email');
      if (emailTickets.length === mailsIn) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(emailTickets).toHaveLength(mailsIn);
    for (const ticket of [...emailTickets.map((t) => t.number), ...byApi]) {
      await api('POST', `/v1/tickets/${ticket}/comments`, admin, { body: 'Sorted, thanks for writing.' });
      expect((await api('PATCH', `/v1/tickets/${ticket}`, admin, { status: 'solved' })).status).toBe(200);
    }

    const today = new Date().toISOString().slice(0, 10);
    // Mails out: an acknowledgement, a reply and a satisfaction survey for each mail ticket, as SES sent them.
    let report: Json;
    const until = Date.now() + 30_000;
    for (;;) {
      report = (await api('GET', `/v1/reports/cost?from=${today}&to=${today}`, admin)).body;
      const sent = (await readSentMails(runtime.outboxUrl)).length;
      const settled =
        meter(report, 's3.puts') === mailsIn + 1 &&
        meter(report, 'ses.mails_in') === mailsIn &&
        meter(report, 'ses.mails_out') === sent &&
        sent === 3 * mailsIn &&
        report.measured.includes('dynamodb.wru') &&
        report.measured.includes('lambda.gb_seconds');
      if (settled || Date.now() > until) break;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    expect(report.tickets).toBe(byApi.length + mailsIn);
    expect(meter(report, 'ses.mails_in')).toBe(mailsIn);
    // Stored bytes: the raw MIME of each mail as the bucket holds it, and the photo kept from the first.
    const s3 = localS3Client(runtime.endpoints.sqs);
    let rawBytes = 0;
    for (const key of rawKeys) {
      const head = await s3.send(
        new HeadObjectCommand({ Bucket: localBucketName(buckets.mail.name), Key: key }),
      );
      rawBytes += head.ContentLength ?? 0;
    }
    s3.destroy();
    expect(meter(report, 's3.bytes_written')).toBe(rawBytes + photo.byteLength);
    expect(meter(report, 's3.puts')).toBe(mailsIn + 1);
    // Logs of every metered invocation; metering's own counter writes as their own line.
    expect(meter(report, 'logs.bytes')).toBeGreaterThan(meter(report, 'lambda.requests') * 368);
    expect(meter(report, 'metering.counter_writes')).toBeGreaterThan(0);
    expect(meter(report, 'ses.mails_out')).toBe(3 * mailsIn);
    expect(meter(report, 'events.published')).toBeGreaterThan(0);
    expect(meter(report, 'dynamodb.wru')).toBeGreaterThan(0);
    expect(meter(report, 'dynamodb.rru')).toBeGreaterThan(0);
    expect(meter(report, 'api.requests')).toBeGreaterThanOrEqual(byApi.length + 2 * (byApi.length + mailsIn));
    expect(report.total).toBeGreaterThan(0);
    expect(report.costPerTicket).toBeCloseTo(report.total / report.tickets, 6);
    expect(report.priceTable).toMatchObject({ version: expect.any(String), date: expect.any(String) });
  }, 90_000);
});

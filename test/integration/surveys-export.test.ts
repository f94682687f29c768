import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { SQSEvent } from 'aws-lambda';
import MailComposer from 'nodemailer/lib/mail-composer';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { documentClient, tableNamesFromEnv } from '../../functions/adapters/dynamodb/client.ts';
import { DynamoDbReportStore } from '../../functions/adapters/dynamodb/report-store.ts';
import { handler as api } from '../../functions/handlers/api.ts';
import { handler as authorize } from '../../functions/handlers/authorizer.ts';
import { handler as emailIn } from '../../functions/handlers/email-in.ts';
import { handler as emailOut } from '../../functions/handlers/email-out.ts';
import { env } from '../../functions/topology.ts';
import { apiEvent, type EventOptions } from '../support/api-event.ts';
import { lambdaContext } from '../support/lambda-context.ts';
import { readSentMails } from '../support/smtp.ts';

/**
 * Surveys and exports against DynamoDB Local, fauxqs (S3) and the SES emulator, through the real handlers:
 * a mail becomes a ticket (email-in), its solve reaches email-out as the bus delivers it and mails the survey;
 * the survey page and form go through the api handler; an export is written to the exports bucket and read
 * back through its pre-signed link.
 */
const { buckets, sesUrl } = inject('deskless');
const s3 = new S3Client({});
const tenantId = `srv-${Date.now().toString(36)}`;
const mailbox = `support@${tenantId}.test`;
const PUBLIC_URL = 'https://desk.example.test/';
let admin: string;

// Reports and exports are Queries on their own keys, never a scan (DESIGN.md rule 5).
const commands = new Set<string>();
documentClient.middlewareStack.add(
  (next, context) => async (args) => {
    commands.add(String(context.commandName));
    return next(args);
  },
  { step: 'initialize', name: 'recordSurveyExportCommands' },
);

interface Response {
  status: number;
  headers: Record<string, string>;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: JSON bodies read loosely; the assertions say what they hold
  json: any;
}

async function call(
  method: string,
  path: string,
  key: string | null,
  options: EventOptions = {},
): Promise<Response> {
  let auth: EventOptions['auth'] = null;
  if (key)
    auth = (await authorize({ headers: { authorization: `Bearer ${key}` } } as never)).context as never;
  const result = await api(apiEvent(method, path, { ...options, auth }), lambdaContext('api'));
  const text = String(result.body ?? '');
  const headers = (result.headers ?? {}) as Record<string, string>;
  return {
    status: result.statusCode!,
    headers,
    text,
    json: /json/.test(headers['content-type'] ?? '') && text ? JSON.parse(text) : undefined,
  };
}

function sqsEvent(body: string): SQSEvent {
  return {
    Records: [
      {
        messageId: `m-${Math.random()}`,
        receiptHandle: 'r',
        body,
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: '0',
          SenderId: 's',
          ApproximateFirstReceiveTimestamp: '0',
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:deskless-test',
        awsRegion: 'us-east-1',
      },
    ],
  };
}

let deliveries = 0;
/** A customer's mail as SES stores and announces it; email-in turns it into a ticket. */
async function mailFrom(from: string, subject: string): Promise<number> {
  const raw = await new MailComposer({ from, to: mailbox, subject, text: 'Please help.' }).compile().build();
  const key = `inbound/it-${tenantId}-${++deliveries}`;
  await s3.send(new PutObjectCommand({ Bucket: buckets.mail, Key: key, Body: raw }));
  const notification = {
    notificationType: 'Received',
    mail: { messageId: key.split('/')[1], source: from, destination: [mailbox] },
    receipt: {
      recipients: [mailbox],
      spamVerdict: { status: 'PASS' },
      virusVerdict: { status: 'PASS' },
      action: { type: 'S3', bucketName: buckets.mail, objectKey: key },
    },
  };
  await emailIn(
    sqsEvent(JSON.stringify({ Type: 'Notification', Message: JSON.stringify(notification) })),
    lambdaContext('emailIn'),
  );
  const list = await call('GET', '/v1/tickets?limit=100', admin);
  return list.json.items.find((t: { subject: string }) => t.subject === subject).number;
}

async function solveAndDeliver(number: number): Promise<string> {
  expect((await call('PATCH', `/v1/tickets/${number}`, admin, { body: { status: 'solved' } })).status).toBe(
    200,
  );
  const timeline = await call('GET', `/v1/tickets/${number}/timeline?limit=100`, admin);
  const solved = timeline.json.items.filter((e: { type: string }) => e.type === 'status_changed').at(-1);
  const envelope = {
    'detail-type': 'ticket.status_changed',
    detail: { id: solved.id, tenantId, ticket: { number }, data: solved.data },
  };
  expect(await emailOut(sqsEvent(JSON.stringify(envelope)), lambdaContext('emailOut'))).toEqual({
    batchItemFailures: [],
  });
  return solved.id;
}

const surveyMails = async (number: number) =>
  (await readSentMails(sesUrl)).filter((m) => m.subject === `Re: [#${number}] Survey test ${number}`);

let previousUrl: string | undefined;
beforeAll(async () => {
  previousUrl = process.env[env.publicApiUrl];
  process.env[env.publicApiUrl] = PUBLIC_URL;
  const created = await call('POST', '/v1/tenants', process.env.DESKLESS_OPERATOR_API_KEY!, {
    body: { id: tenantId, name: 'Surveys' },
  });
  admin = created.json.apiKey.secret;
  expect((await call('POST', '/v1/mailboxes', admin, { body: { address: mailbox } })).status).toBe(201);
});

afterAll(() => {
  if (previousUrl === undefined) delete process.env[env.publicApiUrl];
  else process.env[env.publicApiUrl] = previousUrl;
  expect([...commands].filter((c) => /Scan/.test(c))).toEqual([]);
});

describe('the survey of a solved email ticket', () => {
  let token: string;
  let number: number;

  it('is mailed once to the requester, threaded, with a link per score', async () => {
    // The subject must match what surveyMails looks for: the number is known only after the ticket exists.
    const first = await mailFrom('ann@example.com', 'placeholder');
    await call('PATCH', `/v1/tickets/${first}`, admin, { body: { subject: `Survey test ${first}` } });
    number = first;
    const eventId = await solveAndDeliver(number);
    const [mail, ...more] = await surveyMails(number);
    expect(more).toEqual([]);
    expect(mail!.destination.to).toEqual(['ann@example.com']);
    expect(mail!.from).toContain(mailbox);
    expect(mail!.headers?.get('message-id')?.[0]).toBe(
      `<${eventId.toLowerCase()}.${number}@${tenantId}.test>`,
    );
    expect(mail!.headers?.get('in-reply-to')?.[0]).toMatch(/^<.+>$/);
    const text = mail!.body.text ?? mail!.raw ?? '';
    expect(text).toContain('How did we do?');
    const links = [
      ...text.matchAll(/https:\/\/desk\.example\.test\/v1\/surveys\/(s1\.[^\s?]+)\?score=(\d)/g),
    ];
    expect(links.map((m) => m[2])).toEqual(['1', '2', '3', '4', '5']);
    token = links[0]![1]!;

    // The same event again: nothing more is sent.
    const envelope = {
      'detail-type': 'ticket.status_changed',
      detail: { id: eventId, tenantId, ticket: { number } },
    };
    await emailOut(sqsEvent(JSON.stringify(envelope)), lambdaContext('emailOut'));
    expect(await surveyMails(number)).toHaveLength(1);
    const timeline = await call('GET', `/v1/tickets/${number}/timeline?limit=100`, admin);
    expect(timeline.json.items.at(-1).data).toMatchObject({
      kind: 'survey',
      to: ['ann@example.com'],
      forEvent: eventId,
    });
  });

  it('opens a page that records nothing, and takes the form once', async () => {
    const page = await call('GET', `/v1/surveys/${token}?score=4`, null);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.text).toContain(`Survey test ${number}`);
    expect(page.text).toContain('name="score" value="4" checked');
    const store = new DynamoDbReportStore(documentClient, tableNamesFromEnv());
    expect(await store.survey(tenantId, number)).toBeNull();

    const sent = await call('POST', `/v1/surveys/${token}`, null, {
      rawBody: 'score=4&effort=6&comment=Quick+and+kind',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(sent.status).toBe(201);
    expect(sent.text).toContain('Thank you');
    expect(await store.survey(tenantId, number)).toMatchObject({
      score: 4,
      effort: 6,
      comment: 'Quick and kind',
    });
    const again = await call('GET', `/v1/surveys/${token}`, null);
    expect(again.text).toContain('already answered');
    const json = await call('POST', `/v1/surveys/${token}`, null, { body: { score: 1 } });
    expect(json.status).toBe(409);
    expect(json.headers['content-type']).toBe('application/problem+json');
  });

  it('is not mailed again after an answer, nor when the tenant turned surveys off', async () => {
    await call('PATCH', `/v1/tickets/${number}`, admin, { body: { status: 'open' } });
    await solveAndDeliver(number);
    expect(await surveyMails(number)).toHaveLength(1);

    const settings = await call('PATCH', '/v1/settings', admin, { body: { csatSurveys: false } });
    expect(settings.json).toMatchObject({ csatSurveys: false });
    const other = await mailFrom('bo@example.com', 'placeholder two');
    await call('PATCH', `/v1/tickets/${other}`, admin, { body: { subject: `Survey test ${other}` } });
    await solveAndDeliver(other);
    expect(await surveyMails(other)).toEqual([]);
    const timeline = await call('GET', `/v1/tickets/${other}/timeline?limit=100`, admin);
    expect(timeline.json.items.some((e: { data: { kind?: string } }) => e.data.kind === 'survey')).toBe(
      false,
    );
    await call('PATCH', '/v1/settings', admin, { body: { csatSurveys: true } });
  });
});

describe('report exports', () => {
  it('writes the metrics CSV to the exports bucket and links to it for 15 minutes', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const exported = await call('GET', `/v1/reports/export?from=${today}&to=${today}`, admin);
    expect(exported.status).toBe(200);
    expect(exported.json).toMatchObject({ kind: 'metrics', from: today, to: today, truncated: false });
    expect(exported.json.key).toMatch(new RegExp(`^exports/${tenantId}/[0-9A-Z]{26}\\.csv$`));
    const expiresIn = Date.parse(exported.json.expiresAt) - Date.now();
    expect(expiresIn).toBeGreaterThan(14 * 60_000);
    expect(expiresIn).toBeLessThanOrEqual(15 * 60_000);
    const url = new URL(exported.json.url);
    expect(url.pathname).toBe(`/${buckets.exports}/${exported.json.key}`);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');

    const download = await fetch(url);
    expect(download.status).toBe(200);
    const csv = await download.text();
    // The survey answered above: CSAT and CES counted on today's rows (whole tenant, its group and channel).
    const [header, ...rows] = csv.trimEnd().split('\r\n');
    expect(header).toBe(
      'day,breakdown,group,channel,agent,created,solved,reopened,first_replies,first_reply_median_minutes,resolutions,resolution_median_minutes,csat_responses,csat_score,ces_responses,ces_average,ces_easy_share,sla_met,sla_breached,sla_compliance',
    );
    expect(rows).toHaveLength(exported.json.rows);
    expect(rows).toContain(`${today},all,,,,0,0,0,0,,0,,1,100,1,6,1,0,0,`);
    expect(rows).toContain(`${today},channel,,email,,0,0,0,0,,0,,1,100,1,6,1,0,0,`);
  });

  it('writes one row per ticket last active in the range, and refuses agents and bad ranges', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const exported = await call(
      'GET',
      `/v1/reports/export?kind=tickets&from=${today}&to=${today}&channel=email`,
      admin,
    );
    expect(exported.status).toBe(200);
    expect(exported.json).toMatchObject({ kind: 'tickets', rows: 2, truncated: false });
    const csv = await (await fetch(exported.json.url)).text();
    const lines = csv.trimEnd().split('\r\n');
    expect(
      lines[0]!.startsWith('number,subject,status,priority,type,channel,group,assignee,requester_id'),
    ).toBe(true);
    expect(lines.slice(1).map((line) => line.split(',')[1])).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Survey test \d+$/),
        expect.stringMatching(/^Survey test \d+$/),
      ]),
    );

    const agentKey = (await call('POST', '/v1/api-keys', admin, { body: { name: 'bo', role: 'agent' } })).json
      .secret;
    expect((await call('GET', '/v1/reports/export', agentKey)).status).toBe(403);
    expect((await call('GET', '/v1/reports/export?kind=everything', admin)).status).toBe(400);
    expect((await call('GET', '/v1/reports/export?from=2026-03-05&to=2026-03-01', admin)).status).toBe(422);
    expect((await call('GET', '/v1/reports/export?from=2024-01-01&to=2026-03-01', admin)).status).toBe(422);
  });

  it('pages the activity view with a cursor that stays in the tenant’s partition', async () => {
    const store = new DynamoDbReportStore(documentClient, tableNamesFromEnv());
    const range = { from: '2000-01-01T00:00:00.000Z', to: '2100-01-01T00:00:00.000Z' };
    const first = await store.ticketsActive(tenantId, range, {}, { limit: 1 });
    expect(first.items).toHaveLength(1);
    expect(first.nextCursor).not.toBeNull();
    const second = await store.ticketsActive(tenantId, range, {}, { limit: 1, cursor: first.nextCursor! });
    expect(second.items[0]!.number).not.toBe(first.items[0]!.number);
    expect(second.items[0]!.updatedAt >= first.items[0]!.updatedAt).toBe(true);
    await expect(
      store.ticketsActive(`${tenantId}-other`, range, {}, { limit: 1, cursor: first.nextCursor! }),
    ).rejects.toMatchObject({ code: 'validation' });
  });
});

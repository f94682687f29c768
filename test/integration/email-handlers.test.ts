import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { SQSEvent } from 'aws-lambda';
import MailComposer from 'nodemailer/lib/mail-composer';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { handler as api } from '../../functions/handlers/api.ts';
import { handler as authorize } from '../../functions/handlers/authorizer.ts';
import { handler as emailIn } from '../../functions/handlers/email-in.ts';
import { handler as emailOut } from '../../functions/handlers/email-out.ts';
import { apiEvent, type EventOptions } from '../support/api-event.ts';
import { lambdaContext } from '../support/lambda-context.ts';
import { readSentMails } from '../support/smtp.ts';

/**
 * The email handlers wired as in Lambda, against S3 (fauxqs), DynamoDB Local and the SES emulator: a
 * customer's mail lands in the bucket, its SES notification reaches email-in; the comment it makes reaches
 * email-out as the bus would deliver it.
 */
const { buckets, sesUrl } = inject('deskless');
const s3 = new S3Client({});
const tenantId = `mail-${Date.now().toString(36)}`;
const mailbox = `support@${tenantId}.test`;
let admin: string;

async function call(method: string, path: string, key: string, options: EventOptions = {}) {
  const verdict = await authorize({ headers: { authorization: `Bearer ${key}` } } as never);
  const result = await api(
    apiEvent(method, path, { ...options, auth: verdict.context as never }),
    lambdaContext('api'),
  );
  return { status: result.statusCode!, body: result.body ? JSON.parse(result.body) : undefined };
}

let deliveries = 0;
async function deliver(raw: Buffer, recipients = [mailbox], receiveCount = 1) {
  const key = `inbound/it-${tenantId}-${++deliveries}`;
  await s3.send(new PutObjectCommand({ Bucket: buckets.mail, Key: key, Body: raw }));
  return deliverStored(key, recipients, receiveCount);
}

async function deliverStored(key: string, recipients: string[], receiveCount = 1) {
  const notification = {
    notificationType: 'Received',
    mail: { messageId: key.split('/')[1], source: 'ann@example.com', destination: recipients },
    receipt: {
      recipients,
      spamVerdict: { status: 'PASS' },
      virusVerdict: { status: 'PASS' },
      action: { type: 'S3', bucketName: buckets.mail, objectKey: key },
    },
  };
  const event = sqsEvent(
    JSON.stringify({ Type: 'Notification', Message: JSON.stringify(notification) }),
    receiveCount,
  );
  return emailIn(event, lambdaContext('emailIn'));
}

function sqsEvent(body: string, receiveCount = 1): SQSEvent {
  return {
    Records: [
      {
        messageId: `m-${Math.random()}`,
        receiptHandle: 'r',
        body,
        attributes: {
          ApproximateReceiveCount: String(receiveCount),
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

const compose = (options: ConstructorParameters<typeof MailComposer>[0]) =>
  new MailComposer(options).compile().build();

async function timeline(number: number) {
  return (await call('GET', `/v1/tickets/${number}/timeline?limit=100`, admin)).body.items as {
    id: string;
    type: string;
    actor: { type: string };
    data: Record<string, unknown>;
  }[];
}

async function publish(eventId: string, number: number) {
  const envelope = { 'detail-type': 'comment.added', detail: { id: eventId, tenantId, ticket: { number } } };
  return emailOut(sqsEvent(JSON.stringify(envelope)), lambdaContext('emailOut'));
}

beforeAll(async () => {
  const created = await call('POST', '/v1/tenants', process.env.DESKLESS_OPERATOR_API_KEY!, {
    body: { id: tenantId, name: 'Mail test' },
  });
  admin = created.body.apiKey.secret;
  expect((await call('POST', '/v1/mailboxes', admin, { body: { address: mailbox } })).status).toBe(201);
});

describe('email handlers', () => {
  it('turns a mail into a ticket, acknowledges it, and threads the reply', async () => {
    const raw = await compose({
      from: 'Ann Example <ann@example.com>',
      to: mailbox,
      cc: 'bo@example.com',
      subject: 'Invoice 77 is wrong',
      text: 'The VAT is missing.\n\n-- \nAnn',
      messageId: `<first.${tenantId}@example.com>`,
    });
    expect(await deliver(raw)).toEqual({ batchItemFailures: [] });
    const ticket = (await call('GET', '/v1/tickets/1', admin)).body;
    expect(ticket).toMatchObject({
      subject: 'Invoice 77 is wrong',
      channel: 'email',
      mailbox,
      participants: ['bo@example.com'],
      requester: { email: 'ann@example.com', name: 'Ann Example' },
    });
    const [, comment] = await timeline(1);
    expect(comment!.data.body).toBe('The VAT is missing.');

    // The same SES notification again (an SQS redelivery) changes nothing.
    await deliverStored(`inbound/it-${tenantId}-1`, [mailbox], 2);
    expect(await timeline(1)).toHaveLength(2);

    expect(await publish(comment!.id, 1)).toEqual({ batchItemFailures: [] });
    const ack = (await readSentMails(sesUrl)).find(
      (m) => m.destination.to.includes('ann@example.com') && m.subject === '[#1] Invoice 77 is wrong',
    );
    expect(ack).toBeDefined();
    expect(ack!.headers?.get('auto-submitted')).toEqual(['auto-replied']);
    expect(ack!.headers?.get('in-reply-to')).toEqual([`<first.${tenantId}@example.com>`]);
    const replyTo = ack!.headers?.get('reply-to')?.[0] ?? '';
    expect(replyTo).toMatch(new RegExp(`support\\+1\\.[0-9a-f]{10}@${tenantId}\\.test`));
    const ackId = ack!.headers?.get('message-id')?.[0];

    const reply = await compose({
      from: 'ann@example.com',
      to: replyTo,
      subject: 'Re: [#1] Invoice 77 is wrong',
      text: 'Also the date.\n\nOn Mon, Ann wrote:\n> The VAT is missing.',
      inReplyTo: ackId,
      references: [`<first.${tenantId}@example.com>`, ackId!],
    });
    await deliver(reply, [replyTo]);
    const events = await timeline(1);
    expect(events.map((e) => e.type)).toEqual(['created', 'comment', 'email_sent', 'comment']);
    expect(events.at(-1)!.data.body).toBe('Also the date.');
  });

  it('sends an agent’s public reply to the requester with the participants in copy', async () => {
    const raw = await compose({
      from: 'cy@example.com',
      to: mailbox,
      cc: 'dee@example.com',
      subject: 'Login loop',
      text: 'Help',
    });
    await deliver(raw);
    const list = (await call('GET', '/v1/tickets?status=new', admin)).body.items as {
      number: number;
      subject: string;
    }[];
    const number = list.find((t) => t.subject === 'Login loop')!.number;
    const reply = await call('POST', `/v1/tickets/${number}/comments`, admin, {
      body: { body: 'Clear your cookies, please.' },
    });
    await publish(reply.body.comment.id, number);
    const sent = (await readSentMails(sesUrl)).find((m) => m.subject === `Re: [#${number}] Login loop`);
    expect(sent?.destination).toMatchObject({ to: ['cy@example.com'], cc: ['dee@example.com'] });
    expect(sent?.headers?.get('auto-submitted')).toBeUndefined();
    expect((await timeline(number)).at(-1)!.data).toMatchObject({ kind: 'reply', to: ['cy@example.com'] });
  });

  it('logs and drops what can never succeed, without failing the batch', async () => {
    const notJson = await emailIn(sqsEvent('{nope'), lambdaContext('emailIn'));
    expect(notJson).toEqual({ batchItemFailures: [] });
    const unknownRecipient = await compose({
      from: 'x@example.com',
      to: 'nobody@nowhere.test',
      subject: 's',
      text: 't',
    });
    expect(await deliver(unknownRecipient, ['nobody@nowhere.test'])).toEqual({ batchItemFailures: [] });
    // A notification whose object is missing is worth retrying (S3 may lag): it comes back as a failure.
    const missing = await deliverStored('inbound/does-not-exist', [mailbox]);
    expect(missing.batchItemFailures).toHaveLength(1);
  });
});

/**
 * SES inbound, locally (local/smtp.ts): mail sent over SMTP is stored byte-for-byte in the mail bucket and
 * announced on the inbound topic exactly as an SES receipt rule with an S3 action does, so the inbound queue
 * receives an SNS envelope whose `Message` is the SES notification. Also the topology's wiring in fauxqs
 * (bucket, topic, subscription) as the global setup created it.
 */
import { randomUUID } from 'node:crypto';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  GetSubscriptionAttributesCommand,
  ListSubscriptionsByTopicCommand,
  SNSClient,
} from '@aws-sdk/client-sns';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buckets, mail } from '../../functions/topology.ts';
import { localCredentials } from '../../local/aws-env.ts';
import { ensureQueues, ensureTopics, type LocalQueue, type LocalTopic } from '../../local/queues.ts';
import {
  createInboundMailer,
  type LocalSmtp,
  type SesReceiptNotification,
  sesReceiptSubject,
  startLocalSmtp,
} from '../../local/smtp.ts';
import { sendComposedMail, sendRawMail } from '../support/smtp.ts';

const { endpoints, region, buckets: bucketNames, topics, queues } = inject('deskless');
const clientConfig = { endpoint: endpoints.sqs, region, credentials: localCredentials };

interface SnsEnvelope {
  Type: string;
  MessageId: string;
  TopicArn: string;
  Subject: string | null;
  Message: string;
  Timestamp: string;
}

describe('local SMTP server (SES inbound)', () => {
  const sqs = new SQSClient(clientConfig);
  const s3 = new S3Client(clientConfig);
  const sns = new SNSClient(clientConfig);
  const bucket = bucketNames.mail!;
  // A topic and queue of our own, wired like the topology's, so no other test's consumer takes our messages.
  const prefix = `itest-${randomUUID().slice(0, 8)}`;
  let queue: LocalQueue;
  let topic: LocalTopic;
  let smtp: LocalSmtp;

  beforeAll(async () => {
    [queue] = (await ensureQueues(sqs, prefix, [
      {
        name: 'inbound-email',
        description: 'test',
        topic: mail.inboundTopic,
        visibilityTimeoutSeconds: 30,
        maxReceiveCount: 3,
      },
    ])) as [LocalQueue];
    [topic] = (await ensureTopics(sns, prefix, [queue])) as [LocalTopic];
    smtp = await startLocalSmtp({ endpoint: endpoints.sqs, bucketName: bucket, topicArn: topic.arn });
  });

  afterAll(async () => {
    await smtp?.stop();
    for (const client of [sqs, s3, sns]) client.destroy();
  });

  async function nextEnvelope(): Promise<SnsEnvelope> {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 1, WaitTimeSeconds: 1 }),
      );
      const body = Messages?.[0]?.Body;
      if (body) return JSON.parse(body) as SnsEnvelope;
    }
    throw new Error('no message on the inbound queue');
  }

  async function storedObject(key: string): Promise<Buffer> {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return Buffer.from(await object.Body!.transformToByteArray());
  }

  it('stores the raw bytes exactly as received and notifies the queue with the SES notification in an SNS envelope', async () => {
    const raw = Buffer.from(
      [
        'Received: from laptop.example.com by mail.example.com; Tue, 3 Mar 2026 10:00:00 +0000',
        'From: "Doe, Ann" <ann@example.com>',
        'To: Support <support@demo.localhost>, bob@example.com',
        'Cc: carol@example.com',
        'Reply-To: ann.private@example.com',
        'Subject: =?UTF-8?Q?Printer_on_fire_=F0=9F=94=A5?=',
        'Date: Tue, 3 Mar 2026 10:00:00 +0000',
        'Message-ID: <printer-1@example.com>',
        'References: <older-1@example.com>',
        '\t<older-2@example.com>',
        'MIME-Version: 1.0',
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: 8bit',
        '',
        'Smoke everywhere. Größe: groß.',
        '.a line starting with a dot',
        '',
      ].join('\r\n'),
      'utf8',
    );
    const sent = await sendRawMail({
      port: smtp.port,
      from: 'bounces+ann@example.com',
      to: ['support@demo.localhost', 'nobody@unknown.test'],
      raw,
    });
    expect(sent.rejected).toEqual([]);
    expect(sent.sesMessageId).toMatch(/^[0-9a-v]{40}$/);
    const objectKey = `${mail.inboundPrefix}${sent.sesMessageId}`;

    expect((await storedObject(objectKey)).equals(raw)).toBe(true);

    const envelope = await nextEnvelope();
    expect(envelope).toMatchObject({
      Type: 'Notification',
      TopicArn: topic.arn,
      Subject: sesReceiptSubject,
    });
    const notification = JSON.parse(envelope.Message) as SesReceiptNotification;
    expect(Object.keys(notification)).toEqual(['notificationType', 'mail', 'receipt']);
    expect(notification).toMatchObject({
      notificationType: 'Received',
      mail: {
        source: 'bounces+ann@example.com',
        messageId: sent.sesMessageId,
        destination: ['support@demo.localhost', 'bob@example.com', 'carol@example.com'],
        headersTruncated: false,
        commonHeaders: {
          returnPath: 'bounces+ann@example.com',
          from: ['"Doe, Ann" <ann@example.com>'],
          replyTo: ['ann.private@example.com'],
          date: 'Tue, 3 Mar 2026 10:00:00 +0000',
          to: ['Support <support@demo.localhost>', 'bob@example.com'],
          cc: ['carol@example.com'],
          messageId: '<printer-1@example.com>',
          subject: 'Printer on fire 🔥',
        },
      },
      receipt: {
        recipients: ['support@demo.localhost', 'nobody@unknown.test'],
        spamVerdict: { status: 'PASS' },
        virusVerdict: { status: 'PASS' },
        spfVerdict: { status: 'PASS' },
        dkimVerdict: { status: 'PASS' },
        dmarcVerdict: { status: 'PASS' },
        action: {
          type: 'S3',
          topicArn: topic.arn,
          bucketName: bucket,
          objectKeyPrefix: mail.inboundPrefix,
          objectKey,
        },
      },
    });
    expect(notification.receipt).not.toHaveProperty('dmarcPolicy');
    expect(notification.mail.headers).toContainEqual({
      name: 'References',
      value: '<older-1@example.com> <older-2@example.com>',
    });
    expect(notification.mail.headers).toContainEqual({
      name: 'Subject',
      value: '=?UTF-8?Q?Printer_on_fire_=F0=9F=94=A5?=',
    });
    expect(notification.mail.headers.map((header) => header.name)).toHaveLength(12);
    expect(Date.parse(notification.mail.timestamp)).not.toBeNaN();
    expect(notification.receipt.processingTimeMillis).toBeGreaterThanOrEqual(0);
  });

  it('accepts a message composed by a mail client, attachments and all', async () => {
    const sent = await sendComposedMail({
      port: smtp.port,
      from: 'Zoë <zoe@example.com>',
      to: 'support@demo.localhost',
      subject: 'Überweisung fehlgeschlagen',
      text: 'See the screenshot.',
      html: '<p>See the <b>screenshot</b>.</p>',
      attachments: [{ filename: 'screen.png', content: Buffer.alloc(2048, 7), contentType: 'image/png' }],
      messageId: '<composed-1@example.com>',
    });
    expect(sent.sesMessageId).toMatch(/^[0-9a-v]{40}$/);

    const notification = JSON.parse((await nextEnvelope()).Message) as SesReceiptNotification;
    expect(notification.mail.commonHeaders).toMatchObject({
      from: ['=?UTF-8?Q?Zo=C3=AB?= <zoe@example.com>'],
      subject: 'Überweisung fehlgeschlagen',
      messageId: '<composed-1@example.com>',
    });
    expect(notification.receipt.recipients).toEqual(['support@demo.localhost']);
    const stored = (await storedObject(notification.receipt.action.objectKey)).toString('utf8');
    expect(stored).toContain('Content-Type: multipart/mixed');
    expect(stored).toContain('filename=screen.png');
  });

  it('rejects a message over the size limit with 552 and stores nothing', async () => {
    const keyPrefix = `${prefix}-oversized/`;
    const small = await startLocalSmtp({
      endpoint: endpoints.sqs,
      bucketName: bucket,
      topicArn: topic.arn,
      objectKeyPrefix: keyPrefix,
      maxMessageBytes: 1024,
    });
    try {
      const raw = `From: a@example.com\r\nTo: support@demo.localhost\r\nSubject: big\r\n\r\n${'x'.repeat(4096)}\r\n`;
      await expect(
        sendRawMail({ port: small.port, from: 'a@example.com', to: ['support@demo.localhost'], raw }),
      ).rejects.toMatchObject({ responseCode: 552 });
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: keyPrefix }));
      expect(listed.KeyCount ?? 0).toBe(0);
    } finally {
      await small.stop();
    }
  });

  it('publishes a notification with FAIL verdicts for a stored message (for tests of the intake)', async () => {
    const mailer = createInboundMailer({ endpoint: endpoints.sqs, bucketName: bucket, topicArn: topic.arn });
    try {
      const raw = Buffer.from(
        'From: spammer@example.net\r\nTo: support@demo.localhost\r\nSubject: Cheap\r\nMessage-ID: <spam-1@example.net>\r\n\r\nBuy now\r\n',
      );
      const stored = await mailer.receive({
        raw,
        mailFrom: 'spammer@example.net',
        recipients: ['support@demo.localhost'],
      });
      const passed = JSON.parse((await nextEnvelope()).Message) as SesReceiptNotification;
      expect(passed.receipt.spamVerdict.status).toBe('PASS');

      const failed = await mailer.notify({
        objectKey: stored.objectKey,
        mailFrom: 'spammer@example.net',
        recipients: ['support@demo.localhost'],
        verdicts: { spam: 'FAIL', virus: 'FAIL', dmarc: 'FAIL', dmarcPolicy: 'reject' },
      });
      expect(failed.messageId).toBe(stored.messageId);
      const notification = JSON.parse((await nextEnvelope()).Message) as SesReceiptNotification;
      expect(notification.mail.messageId).toBe(stored.messageId);
      expect(notification.receipt).toMatchObject({
        spamVerdict: { status: 'FAIL' },
        virusVerdict: { status: 'FAIL' },
        spfVerdict: { status: 'PASS' },
        dkimVerdict: { status: 'PASS' },
        dmarcVerdict: { status: 'FAIL' },
        dmarcPolicy: 'reject',
        action: { objectKey: stored.objectKey, bucketName: bucket },
      });
      expect(notification.mail.commonHeaders.messageId).toBe('<spam-1@example.net>');
    } finally {
      mailer.destroy();
    }
  });

  it('has the topology wired: mail bucket from the environment, inbound topic subscribed by the inbound queue', async () => {
    // A handler's client: endpoint from AWS_ENDPOINT_URL_S3, no forcePathStyle, bucket from MAIL_BUCKET.
    const handlerS3 = new S3Client({});
    try {
      const bucketName = process.env[buckets.mail.envVar]!;
      expect(bucketName).toBe('deskless-mail');
      const key = `${prefix}/probe.txt`;
      await handlerS3.send(new PutObjectCommand({ Bucket: bucketName, Key: key, Body: 'probe' }));
      const object = await handlerS3.send(new GetObjectCommand({ Bucket: bucketName, Key: key }));
      expect(await object.Body!.transformToString()).toBe('probe');
    } finally {
      handlerS3.destroy();
    }

    const inboundTopic = topics.find((candidate) => candidate.topic === mail.inboundTopic);
    expect(inboundTopic).toMatchObject({ name: 'deskless-inbound-mail', queues: ['deskless-inbound-email'] });
    const inboundQueue = queues.find((candidate) => candidate.name === 'deskless-inbound-email')!;
    const { Subscriptions } = await sns.send(
      new ListSubscriptionsByTopicCommand({ TopicArn: inboundTopic!.arn }),
    );
    const subscription = Subscriptions?.find((candidate) => candidate.Endpoint === inboundQueue.arn);
    expect(subscription).toMatchObject({ Protocol: 'sqs' });
    const { Attributes } = await sns.send(
      new GetSubscriptionAttributesCommand({ SubscriptionArn: subscription!.SubscriptionArn }),
    );
    expect(Attributes?.RawMessageDelivery ?? 'false').toBe('false');
  });
});

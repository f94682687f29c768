/**
 * SES inbound, locally: an SMTP server that does what an SES receipt rule with an S3 action does. For every
 * accepted message it
 *
 * 1. stores the raw bytes, exactly as received, in the mail bucket under `mail.inboundPrefix` + the SES message
 *    id (40 characters of base32hex, like SES's), and then
 * 2. publishes an SES receipt notification (`notificationType: "Received"`, action `S3`) to the inbound topic,
 *    with the SNS subject SES uses; the inbound queue's subscription (raw delivery off) turns it into an SQS
 *    message whose body is the SNS envelope and whose `Message` is the notification as a JSON string.
 *
 * Like SES with a catch-all rule it accepts any RCPT TO: the intake (email-in) decides which recipient is a
 * mailbox and drops the others with a logged reason. The verdicts are always PASS here; tests that need FAIL
 * verdicts use `createInboundMailer(...).notify()` or `.receive()` with `verdicts`.
 *
 * Differences from SES, on purpose: no authentication and no TLS (no STARTTLS offered), because the server
 * listens on the loopback interface for a developer's test mail only; and SES prepends `Return-Path`,
 * `Received`, `X-SES-*` and authentication headers to the stored message, while here the stored object is
 * byte-for-byte what the client sent (the notification's `headers` list the message's own headers).
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { mail } from '../functions/topology.ts';
import { localCredentials, localRegion } from './aws-env.ts';
import { localS3Client } from './buckets.ts';
import { type LocalLog, silentLog } from './log.ts';

/** SES receiving accepts messages up to 40 MB, headers included. */
export const maxInboundMessageBytes = 40 * 1024 * 1024;
/** The SNS `Subject` of every SES receipt notification. */
export const sesReceiptSubject = 'Amazon SES Email Receipt Notification';
/** SES cuts the notification's `headers` list when the headers are larger than 10 KB (`headersTruncated`). */
const maxNotificationHeaderBytes = 10 * 1024;

export type VerdictStatus = 'PASS' | 'FAIL' | 'GRAY' | 'PROCESSING_FAILED';
export type DmarcPolicy = 'none' | 'quarantine' | 'reject';

export interface ReceiptVerdicts {
  readonly spam: VerdictStatus;
  readonly virus: VerdictStatus;
  readonly spf: VerdictStatus;
  readonly dkim: VerdictStatus;
  readonly dmarc: VerdictStatus;
  /** Present in SES notifications only when DMARC failed: the sending domain's policy. */
  readonly dmarcPolicy?: DmarcPolicy;
}

export const passingVerdicts: ReceiptVerdicts = {
  spam: 'PASS',
  virus: 'PASS',
  spf: 'PASS',
  dkim: 'PASS',
  dmarc: 'PASS',
};

export interface SesCommonHeaders {
  returnPath?: string;
  from?: string[];
  replyTo?: string[];
  date?: string;
  to?: string[];
  cc?: string[];
  bcc?: string[];
  messageId?: string;
  subject?: string;
}

/** What SES publishes for an S3 action (no `content`: that is only in SNS-action notifications). */
export interface SesReceiptNotification {
  notificationType: 'Received';
  mail: {
    timestamp: string;
    source: string;
    messageId: string;
    destination: string[];
    headersTruncated: boolean;
    headers: { name: string; value: string }[];
    commonHeaders: SesCommonHeaders;
  };
  receipt: {
    timestamp: string;
    processingTimeMillis: number;
    recipients: string[];
    spamVerdict: { status: VerdictStatus };
    virusVerdict: { status: VerdictStatus };
    spfVerdict: { status: VerdictStatus };
    dkimVerdict: { status: VerdictStatus };
    dmarcVerdict: { status: VerdictStatus };
    dmarcPolicy?: DmarcPolicy;
    action: {
      type: 'S3';
      topicArn: string;
      bucketName: string;
      objectKeyPrefix: string;
      objectKey: string;
    };
  };
}

/** Where inbound mail goes: the mail bucket and the inbound topic, in fauxqs. */
export interface InboundMailTarget {
  /** The fauxqs endpoint (S3 and SNS). */
  readonly endpoint: string;
  readonly bucketName: string;
  readonly topicArn: string;
  /** Default `mail.inboundPrefix`. */
  readonly objectKeyPrefix?: string;
}

export interface ReceivedMail {
  /** The SES message id, also the last part of the object key. */
  readonly messageId: string;
  readonly objectKey: string;
  readonly notification: SesReceiptNotification;
  /** Id of the SNS message that carried the notification. */
  readonly snsMessageId: string;
}

export interface InboundMail {
  readonly raw: Uint8Array;
  /** Envelope MAIL FROM (`''` for the null reverse-path of a bounce). */
  readonly mailFrom: string;
  /** Envelope RCPT TO addresses. */
  readonly recipients: readonly string[];
  readonly verdicts?: Partial<ReceiptVerdicts>;
}

export interface InboundMailer {
  /** Stores the raw message as SES would, then notifies the inbound topic. */
  receive(input: InboundMail): Promise<ReceivedMail>;
  /**
   * Publishes a notification for a message already in the bucket: for tests that want FAIL verdicts (spam,
   * virus, DMARC) for a stored message, or a duplicate delivery of the same notification.
   */
  notify(input: Omit<InboundMail, 'raw'> & { readonly objectKey: string }): Promise<ReceivedMail>;
  destroy(): void;
}

/** A new SES message id: 40 characters of lower-case base32hex, like `bs82kksd5uhl2b598fhhro1scu3d05a39id0gdg1`. */
export function sesMessageId(): string {
  const alphabet = '0123456789abcdefghijklmnopqrstuv';
  const bytes = randomBytes(25);
  let id = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      id += alphabet[(buffer >> bits) & 31];
    }
    buffer &= (1 << bits) - 1;
  }
  return id;
}

export function createInboundMailer(target: InboundMailTarget): InboundMailer {
  const s3: S3Client = localS3Client(target.endpoint);
  const sns = new SNSClient({
    endpoint: target.endpoint,
    region: localRegion,
    credentials: localCredentials,
  });
  const objectKeyPrefix = target.objectKeyPrefix ?? mail.inboundPrefix;

  async function publish(args: {
    raw: Uint8Array;
    messageId: string;
    objectKey: string;
    receivedAt: Date;
    input: Omit<InboundMail, 'raw'>;
  }): Promise<ReceivedMail> {
    const notification = receiptNotification({
      raw: args.raw,
      messageId: args.messageId,
      mailFrom: args.input.mailFrom,
      recipients: args.input.recipients,
      receivedAt: args.receivedAt,
      triggeredAt: new Date(),
      verdicts: { ...passingVerdicts, ...args.input.verdicts },
      topicArn: target.topicArn,
      bucketName: target.bucketName,
      objectKeyPrefix,
      objectKey: args.objectKey,
    });
    const published = await sns.send(
      new PublishCommand({
        TopicArn: target.topicArn,
        Subject: sesReceiptSubject,
        Message: JSON.stringify(notification),
      }),
    );
    return {
      messageId: args.messageId,
      objectKey: args.objectKey,
      notification,
      snsMessageId: published.MessageId ?? '',
    };
  }

  return {
    async receive(input) {
      const receivedAt = new Date();
      const messageId = sesMessageId();
      const objectKey = `${objectKeyPrefix}${messageId}`;
      await s3.send(
        new PutObjectCommand({ Bucket: target.bucketName, Key: objectKey, Body: Buffer.from(input.raw) }),
      );
      return publish({ raw: input.raw, messageId, objectKey, receivedAt, input });
    },
    async notify(input) {
      const object = await s3.send(new GetObjectCommand({ Bucket: target.bucketName, Key: input.objectKey }));
      const raw = object.Body ? await object.Body.transformToByteArray() : new Uint8Array();
      const messageId = input.objectKey.slice(input.objectKey.lastIndexOf('/') + 1);
      return publish({
        raw,
        messageId,
        objectKey: input.objectKey,
        receivedAt: object.LastModified ?? new Date(),
        input,
      });
    },
    destroy() {
      s3.destroy();
      sns.destroy();
    },
  };
}

/**
 * The notification SES publishes for an S3 action, field for field (see "Contents of notifications for Amazon
 * SES email receiving" in the SES developer guide, and the example there):
 *
 * - `mail.destination`: the addresses of the To and Cc headers (SES takes them from the MIME headers; here the
 *   envelope recipients when the headers name none); `receipt.recipients`: the envelope RCPT TO addresses;
 * - `mail.headers`: every header in order, unfolded, cut after 10 KB with `headersTruncated: true`;
 * - `commonHeaders`: `returnPath` (the envelope sender, as SES's own Return-Path), `from`/`to`/`cc`/`replyTo` as
 *   the header's comma-separated items, `date` and `messageId` as written, `subject` decoded (RFC 2047).
 */
export function receiptNotification(args: {
  raw: Uint8Array;
  messageId: string;
  mailFrom: string;
  recipients: readonly string[];
  receivedAt: Date;
  triggeredAt: Date;
  verdicts: ReceiptVerdicts;
  topicArn: string;
  bucketName: string;
  objectKeyPrefix: string;
  objectKey: string;
}): SesReceiptNotification {
  const headers = parseHeaderSection(args.raw);
  const listed: { name: string; value: string }[] = [];
  let size = 0;
  let headersTruncated = false;
  for (const header of headers) {
    size += header.name.length + header.value.length + 4;
    if (size > maxNotificationHeaderBytes) {
      headersTruncated = true;
      break;
    }
    listed.push(header);
  }
  const first = (name: string) =>
    headers.find((header) => header.name.toLowerCase() === name.toLowerCase())?.value;
  const list = (name: string) => {
    const value = first(name);
    return value === undefined ? undefined : splitAddressList(value);
  };

  const commonHeaders: SesCommonHeaders = {};
  if (args.mailFrom) commonHeaders.returnPath = args.mailFrom;
  const from = list('From');
  if (from) commonHeaders.from = from;
  const replyTo = list('Reply-To');
  if (replyTo) commonHeaders.replyTo = replyTo;
  const date = first('Date');
  if (date !== undefined) commonHeaders.date = date;
  const to = list('To');
  if (to) commonHeaders.to = to;
  const cc = list('Cc');
  if (cc) commonHeaders.cc = cc;
  const bcc = list('Bcc');
  if (bcc) commonHeaders.bcc = bcc;
  const messageId = first('Message-ID');
  if (messageId !== undefined) commonHeaders.messageId = messageId;
  const subject = first('Subject');
  if (subject !== undefined) commonHeaders.subject = decodeEncodedWords(subject);

  const headerDestination = [...(to ?? []), ...(cc ?? [])].map(bareAddress).filter(Boolean);
  const { dmarcPolicy, ...verdicts } = args.verdicts;
  return {
    notificationType: 'Received',
    mail: {
      timestamp: args.receivedAt.toISOString(),
      source: args.mailFrom,
      messageId: args.messageId,
      destination: headerDestination.length > 0 ? headerDestination : [...args.recipients],
      headersTruncated,
      headers: listed,
      commonHeaders,
    },
    receipt: {
      timestamp: args.triggeredAt.toISOString(),
      processingTimeMillis: Math.max(0, args.triggeredAt.getTime() - args.receivedAt.getTime()),
      recipients: [...args.recipients],
      spamVerdict: { status: verdicts.spam },
      virusVerdict: { status: verdicts.virus },
      spfVerdict: { status: verdicts.spf },
      dkimVerdict: { status: verdicts.dkim },
      dmarcVerdict: { status: verdicts.dmarc },
      ...(dmarcPolicy && verdicts.dmarc === 'FAIL' ? { dmarcPolicy } : {}),
      action: {
        type: 'S3',
        topicArn: args.topicArn,
        bucketName: args.bucketName,
        objectKeyPrefix: args.objectKeyPrefix,
        objectKey: args.objectKey,
      },
    },
  };
}

/** The header fields of a raw message, in order, each value unfolded (a line break and its indent → one space). */
export function parseHeaderSection(raw: Uint8Array): { name: string; value: string }[] {
  const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const crlf = bytes.indexOf('\r\n\r\n');
  const lf = bytes.indexOf('\n\n');
  const ends = [crlf, lf].filter((index) => index >= 0);
  const end = ends.length > 0 ? Math.min(...ends) : bytes.length;
  const text = new TextDecoder().decode(bytes.subarray(0, end));
  const headers: { name: string; value: string }[] = [];
  for (const line of text.split(/\r?\n/)) {
    const last = headers[headers.length - 1];
    if (/^[ \t]/.test(line)) {
      if (last) last.value = `${last.value} ${line.trim()}`.trim();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    headers.push({ name: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() });
  }
  return headers;
}

/** `a@x, "Doe, Jane" <j@y>` → `['a@x', '"Doe, Jane" <j@y>']`: commas inside quotes, `<>` and `()` do not split. */
export function splitAddressList(value: string): string[] {
  const items: string[] = [];
  let current = '';
  let quoted = false;
  let angle = 0;
  let comment = 0;
  for (let index = 0; index < value.length; index++) {
    const char = value[index]!;
    if (quoted) {
      if (char === '\\' && index + 1 < value.length) {
        current += char + value[++index];
        continue;
      }
      if (char === '"') quoted = false;
    } else if (char === '"') quoted = true;
    else if (char === '<') angle++;
    else if (char === '>') angle = Math.max(0, angle - 1);
    else if (char === '(') comment++;
    else if (char === ')') comment = Math.max(0, comment - 1);
    else if (char === ',' && angle === 0 && comment === 0) {
      if (current.trim()) items.push(current.trim());
      current = '';
      continue;
    }
    current += char;
  }
  if (current.trim()) items.push(current.trim());
  return items;
}

/** The address of one list item: what is inside `<>`, else the item without comments. */
function bareAddress(item: string): string {
  const angle = /<([^<>]*)>\s*$/.exec(item);
  if (angle) return angle[1]!.trim();
  return item.replace(/\([^()]*\)/g, '').trim();
}

/** Decodes RFC 2047 encoded words (`=?UTF-8?Q?...?=`, `=?ISO-8859-1?B?...?=`); undecodable words stay as they are. */
export function decodeEncodedWords(value: string): string {
  return value
    .replace(/(=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=)\s+(?==\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=)/g, '$1')
    .replace(
      /=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=/g,
      (word, charset: string, encoding: string, text: string) => {
        try {
          const bytes =
            encoding.toUpperCase() === 'B'
              ? Buffer.from(text, 'base64')
              : Buffer.from(
                  text
                    .replace(/_/g, ' ')
                    .replace(/=([0-9A-Fa-f]{2})/g, (_match, hex: string) =>
                      String.fromCharCode(parseInt(hex, 16)),
                    ),
                  'latin1',
                );
          return new TextDecoder(charset.replace(/\*.*$/, '')).decode(bytes);
        } catch {
          return word;
        }
      },
    );
}

export interface LocalSmtpOptions extends InboundMailTarget {
  /** 0 or omitted: a free port. */
  readonly port?: number;
  readonly host?: string;
  readonly maxMessageBytes?: number;
  readonly log?: LocalLog;
}

export interface LocalSmtp {
  readonly host: string;
  readonly port: number;
  /** Resolves once every message accepted so far is stored and notified. */
  flush(): Promise<void>;
  /** Stops accepting connections, waits for deliveries in progress, closes the clients; safe to call twice. */
  stop(): Promise<void>;
}

export async function startLocalSmtp(options: LocalSmtpOptions): Promise<LocalSmtp> {
  const log = options.log ?? silentLog;
  const host = options.host ?? '127.0.0.1';
  const maxMessageBytes = options.maxMessageBytes ?? maxInboundMessageBytes;
  const mailer = createInboundMailer(options);
  const inFlight = new Set<Promise<unknown>>();

  function onData(
    stream: SMTPServerDataStream,
    session: SMTPServerSession,
    reply: (error?: Error | null, message?: string) => void,
  ): void {
    let replied = false;
    const callback = (error?: Error | null, message?: string) => {
      if (replied) return;
      replied = true;
      reply(error, message);
    };
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.once('error', (error) => callback(error));
    stream.once('end', () => {
      if (stream.sizeExceeded) {
        callback(smtpError(552, `Message exceeds the maximum size of ${maxMessageBytes} bytes`));
        return;
      }
      const envelope = session.envelope;
      const input: InboundMail = {
        raw: Buffer.concat(chunks),
        mailFrom: envelope.mailFrom ? envelope.mailFrom.address : '',
        recipients: envelope.rcptTo.map((recipient) => recipient.address),
      };
      const delivery = mailer.receive(input).then(
        (received) => {
          log.debug('inbound mail stored and notified', {
            messageId: received.messageId,
            objectKey: received.objectKey,
            recipients: input.recipients,
          });
          // SES answers `250 Ok <message id>`.
          callback(null, `Ok ${received.messageId}`);
        },
        (error: unknown) => {
          log.error('inbound mail could not be stored or notified', { error, recipients: input.recipients });
          callback(smtpError(451, 'Temporary failure, try again later'));
        },
      );
      inFlight.add(delivery);
      void delivery.finally(() => inFlight.delete(delivery));
    });
  }

  const server = new SMTPServer({
    name: 'inbound-smtp.localhost',
    banner: 'Deskless local SES inbound',
    size: maxMessageBytes,
    // Local only: no authentication and no STARTTLS (see the module comment).
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    closeTimeout: 2_000,
    // No reverse DNS of the client: it only names the peer in logs, and a lookup that cannot reach a resolver
    // would stall every connection.
    disableReverseLookup: true,
    onData,
  });
  // Connection-level errors (a client resetting its socket) land here; they are no reason to stop.
  const onError = (error: Error) => log.debug('SMTP server error', { error });
  server.on('error', onError);
  try {
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(options.port ?? 0, host, () => {
        server.server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    server.off('error', onError);
    mailer.destroy();
    throw error;
  }
  const port = (server.server.address() as AddressInfo).port;
  log.debug('local SMTP server started', { host, port, bucket: options.bucketName, topic: options.topicArn });

  async function flush(): Promise<void> {
    while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
  }

  let stopped: Promise<void> | undefined;
  return {
    host,
    port,
    flush,
    stop() {
      stopped ??= (async () => {
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await flush();
        server.off('error', onError);
        mailer.destroy();
      })();
      return stopped;
    },
  };
}

function smtpError(responseCode: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode });
}

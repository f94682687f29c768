import { createHash } from 'node:crypto';
import { makeClock } from '../adapters/clock.ts';
import { documentClient, tableName, tableNamesFromEnv } from '../adapters/dynamodb/client.ts';
import { DynamoDbCustomerStore } from '../adapters/dynamodb/customer-store.ts';
import { DynamoDbCustomFieldStore } from '../adapters/dynamodb/directory-stores.ts';
import { DynamoDbIdempotencyStore } from '../adapters/dynamodb/idempotency-store.ts';
import { DynamoDbMailboxStore } from '../adapters/dynamodb/mail-stores.ts';
import { makeDynamoDbMailPorts, makeDynamoDbTimedTicketStore } from '../adapters/dynamodb/ports.ts';
import { DynamoDbUsageStore } from '../adapters/dynamodb/usage-store.ts';
import { makeIds } from '../adapters/ids.ts';
import { DEPLOYMENT_TENANT, usageBuffer } from '../adapters/metering/buffer.ts';
import { metered, tenantsOfRecords } from '../adapters/metering/invocation.ts';
import { meterBlobWrites, recordS3Write, tenantUnderPrefix } from '../adapters/metering/record.ts';
import { parseMail } from '../adapters/mime/parse-mail.ts';
import { makeReplySignerSource } from '../adapters/reply-signer.ts';
import { makeMailBucket } from '../adapters/s3/mail-bucket.ts';
import { parseInboundNotification } from '../adapters/ses/receipt.ts';
import { makeSqsConsumer, PoisonMessageError } from '../adapters/sqs/consume.ts';
import { makeReceiveEmail } from '../core/use-cases/receive-email.ts';
import { makeAddComment, makeCreateTicket } from '../core/use-cases/tickets.ts';
import { functions, mail } from '../topology.ts';
import { logger } from './logger.ts';

const tables = tableNamesFromEnv();
// Only the stores the intake needs: the bundle carries none of the API's other use cases.
const clock = makeClock();
const ports = {
  tickets: makeDynamoDbTimedTicketStore(documentClient, tables, clock),
  customers: new DynamoDbCustomerStore(documentClient, tables),
  customFields: new DynamoDbCustomFieldStore(documentClient, tables),
  mailboxes: new DynamoDbMailboxStore(documentClient, tables),
  idempotency: new DynamoDbIdempotencyStore(documentClient, tables, () =>
    Math.floor(Date.parse(clock.now()) / 1000),
  ),
  clock,
  ids: makeIds(),
};
const mailPorts = makeDynamoDbMailPorts(documentClient, tables);
const bucket = makeMailBucket();
const signer = makeReplySignerSource();

let receiveEmail: ReturnType<typeof makeReceiveEmail> | undefined;
/** Built on first use: it needs the reply secret, and a failed read must be retried, not remembered. */
async function intake() {
  receiveEmail ??= makeReceiveEmail({
    ...ports,
    ...mailPorts,
    // Attachments are kept under `{attachmentsPrefix}{tenant}/…`: each PUT and its bytes metered for that tenant.
    blobs: meterBlobWrites(bucket, (key) => tenantUnderPrefix(key, mail.attachmentsPrefix)),
    signer: await signer(),
    createTicket: makeCreateTicket(ports),
    addComment: makeAddComment(ports),
    digest: (text) => createHash('sha256').update(text).digest('hex'),
    limits: {
      maxAttachmentBytes: mail.maxAttachmentBytes,
      maxAttachmentBytesPerMail: mail.maxAttachmentBytesPerMail,
    },
    attachmentsPrefix: mail.attachmentsPrefix,
  });
  return receiveEmail;
}

const SES_CHUNK_BYTES = 256 * 1024;

/** SES receipt (SNS → SQS) → raw MIME from S3 → ticket or comment. One message per mail. */
const consume = makeSqsConsumer(
  'email-in',
  async (record) => {
    let notification: ReturnType<typeof parseInboundNotification>;
    try {
      notification = parseInboundNotification(record.body);
    } catch (error) {
      throw new PoisonMessageError((error as Error).message);
    }
    const raw = await bucket.getRaw(notification.bucket, notification.key);
    let parsed: Awaited<ReturnType<typeof parseMail>>;
    try {
      parsed = await parseMail(raw, { maxAttachmentBytes: mail.maxAttachmentBytes });
    } catch (error) {
      throw new PoisonMessageError(
        `unreadable mail s3://${notification.bucket}/${notification.key}: ${(error as Error).message}`,
      );
    }
    const outcome = await (await intake())({
      mail: parsed,
      recipients: notification.recipients,
      rawKey: notification.key,
      spamVerdict: notification.spamVerdict,
      virusVerdict: notification.virusVerdict,
    });
    // SES bills every mail it receives, per mail and per started 256 KB chunk, whatever became of it here.
    const tenant = outcome.tenantId ?? DEPLOYMENT_TENANT;
    usageBuffer.record(tenant, 'ses.mails_in', 1);
    usageBuffer.record(tenant, 'ses.chunks_in', Math.max(1, Math.ceil(raw.byteLength / SES_CHUNK_BYTES)));
    usageBuffer.record(tenant, 's3.gets', 1);
    // SES stored the raw MIME (one PUT, its bytes kept until the bucket's lifecycle expires them).
    recordS3Write(tenant, raw.byteLength);
    if (
      outcome.outcome === 'dropped' ||
      outcome.outcome === 'rejected' ||
      outcome.outcome === 'rate_limited'
    ) {
      logger.warn(`email-in: ${outcome.outcome}`, {
        ...outcome,
        rawKey: notification.key,
        from: parsed.from?.address,
      });
    }
    return { ...outcome, rawKey: notification.key };
  },
  logger,
);

/** Metered: its invocations and GB-seconds are counted for the tenants of each batch (adapters/metering). */
export const handler = metered(functions.emailIn, consume, {
  tenantsOf: tenantsOfRecords,
  store: new DynamoDbUsageStore(documentClient, { main: tableName('main') }),
  logger,
  sqsBatch: true,
});

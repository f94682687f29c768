import { makeChannelSecretReader } from '../adapters/channel-secrets.ts';
import { makeClock } from '../adapters/clock.ts';
import { DynamoDbChannelStore } from '../adapters/dynamodb/channel-store.ts';
import { documentClient, tableName } from '../adapters/dynamodb/client.ts';
import { DynamoDbSmsDeliveryStore } from '../adapters/dynamodb/sms-delivery-store.ts';
import { DynamoDbTicketStore } from '../adapters/dynamodb/ticket-store.ts';
import { DynamoDbUsageStore } from '../adapters/dynamodb/usage-store.ts';
import { makeIds } from '../adapters/ids.ts';
import { metered, tenantsOfRecords } from '../adapters/metering/invocation.ts';
import { makeSqsConsumer, PoisonMessageError } from '../adapters/sqs/consume.ts';
import { makeDeadLetterer, sqsClient } from '../adapters/sqs/dead-letter.ts';
import { twilioSmsSenderFromEnv } from '../adapters/twilio/messages.ts';
import { makeSendSms } from '../core/use-cases/send-sms.ts';
import { functions } from '../topology.ts';
import { domainEventOf } from './domain-event.ts';
import { logger } from './logger.ts';

// Only the stores sending needs: the bundle carries none of the API's use cases.
const tables = { main: tableName('main') };
const sendSms = makeSendSms({
  tickets: new DynamoDbTicketStore(documentClient, tables),
  channels: new DynamoDbChannelStore(documentClient, tables),
  deliveries: new DynamoDbSmsDeliveryStore(documentClient, tables),
  secrets: makeChannelSecretReader(),
  sender: twilioSmsSenderFromEnv(),
  clock: makeClock(),
  ids: makeIds(),
});

/** Domain events (EventBridge → SQS) → public replies on SMS tickets, sent through the tenant's Twilio account. */
const consume = makeSqsConsumer(
  'sms-out',
  async (record) => {
    const event = domainEventOf(record);
    if (!('ticket' in event)) throw new PoisonMessageError(`${event.type} is not a ticket event`);
    const attempt = Number(record.attributes.ApproximateReceiveCount) || 1;
    const result = await sendSms(event.tenantId, event.ticket.number, event.id, attempt);
    if (result.outcome === 'rejected') {
      logger.warn('sms-out: the message was refused (or its outcome is unknown); not retried', {
        tenantId: event.tenantId,
        ticket: event.ticket.number,
        eventId: event.id,
        error: result.error,
      });
    }
    return { ...result, eventId: event.id };
  },
  logger,
  { deadLetter: makeDeadLetterer(sqsClient(), 'sms-out') },
);

/** Metered: its invocations and GB-seconds are counted for the tenants of each batch (adapters/metering). */
export const handler = metered(functions.smsOut, consume, {
  tenantsOf: tenantsOfRecords,
  store: new DynamoDbUsageStore(documentClient, { main: tableName('main') }),
  logger,
  sqsBatch: true,
});

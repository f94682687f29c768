import { DynamoDbChannelStore } from '../adapters/dynamodb/channel-store.ts';
import { documentClient, tableName } from '../adapters/dynamodb/client.ts';
import { DynamoDbConversationStore } from '../adapters/dynamodb/conversation-store.ts';
import { DynamoDbCustomerStore } from '../adapters/dynamodb/customer-store.ts';
import { DynamoDbCustomFieldStore } from '../adapters/dynamodb/directory-stores.ts';
import { makeDynamoDbTimedWorkerPorts } from '../adapters/dynamodb/ports.ts';
import { DynamoDbUsageStore } from '../adapters/dynamodb/usage-store.ts';
import { metered, tenantsOfRecords } from '../adapters/metering/invocation.ts';
import { makeSqsConsumer, PoisonMessageError } from '../adapters/sqs/consume.ts';
import { makeDeadLetterer, sqsClient } from '../adapters/sqs/dead-letter.ts';
import type { DueTimerMessage } from '../core/timers.ts';
import { makeFireChatTimer } from '../core/use-cases/conversation-escalation.ts';
import { makeFireTimer } from '../core/use-cases/fire-timer.ts';
import { functions } from '../topology.ts';
import { logger } from './logger.ts';

const ports = makeDynamoDbTimedWorkerPorts(documentClient, { main: tableName('main') });
const fireTimer = makeFireTimer(ports);
// Chat conversations' minutes-based escalation (timer kind `chat_escalation`, on the conversation's partition).
const fireChatTimer = makeFireChatTimer({
  ...ports,
  conversations: new DynamoDbConversationStore(documentClient, { main: tableName('main') }),
  channels: new DynamoDbChannelStore(documentClient, { main: tableName('main') }),
  customers: new DynamoDbCustomerStore(documentClient, { main: tableName('main') }),
  customFields: new DynamoDbCustomFieldStore(documentClient, { main: tableName('main') }),
  // Escalations never take an Idempotency-Key (their once-only marker is on the main table).
  idempotency: { get: async () => null },
});

const FIELDS = ['tenantId', 'slot', 'effect', 'dueAt', 'claimedAt'] as const;

/** A claimed timer as the sweeper sent it; anything else can never succeed. */
function dueTimerOf(body: string): DueTimerMessage {
  let message: unknown;
  try {
    message = JSON.parse(body);
  } catch {
    throw new PoisonMessageError('the body is not JSON');
  }
  const fields = message as Record<string, unknown>;
  if (typeof message !== 'object' || message === null || !Number.isInteger(fields.ticketNumber)) {
    throw new PoisonMessageError('not a due timer (ticketNumber)');
  }
  if (fields.conversationId !== undefined && typeof fields.conversationId !== 'string') {
    throw new PoisonMessageError('not a due timer (conversationId)');
  }
  for (const field of FIELDS) {
    if (typeof fields[field] !== 'string') throw new PoisonMessageError(`not a due timer (${field})`);
  }
  return message as DueTimerMessage;
}

/**
 * Timer queue → the effect of each due timer (SLA warning or breach, auto-close, pending reminder, a chat
 * conversation's escalation), once.
 */
const consume = makeSqsConsumer(
  'timer',
  async (record) => {
    const message = dueTimerOf(record.body);
    const lateMs = Date.parse(message.claimedAt) - Date.parse(message.dueAt);
    if (message.conversationId) {
      return {
        slot: message.slot,
        conversation: message.conversationId,
        lateMs,
        ...(await fireChatTimer(message)),
      };
    }
    return { slot: message.slot, ticket: message.ticketNumber, lateMs, ...(await fireTimer(message)) };
  },
  logger,
  { deadLetter: makeDeadLetterer(sqsClient(), 'timer') },
);

/** Metered: its invocations and GB-seconds are counted for the tenants of each batch (adapters/metering). */
export const handler = metered(functions.timer, consume, {
  tenantsOf: tenantsOfRecords,
  store: new DynamoDbUsageStore(documentClient, { main: tableName('main') }),
  logger,
  sqsBatch: true,
});

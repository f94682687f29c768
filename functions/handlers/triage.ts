import { classifierFromEnv } from '../adapters/bedrock/config.ts';
import { makeClock } from '../adapters/clock.ts';
import { documentClient, tableName } from '../adapters/dynamodb/client.ts';
import { DynamoDbMacroStore } from '../adapters/dynamodb/macro-store.ts';
import { makeDynamoDbTimedTicketStore } from '../adapters/dynamodb/ports.ts';
import { DynamoDbRuleStore } from '../adapters/dynamodb/rule-store.ts';
import { DynamoDbTriageSettingsStore } from '../adapters/dynamodb/triage-settings-store.ts';
import { DynamoDbUsageStore } from '../adapters/dynamodb/usage-store.ts';
import { makeIds } from '../adapters/ids.ts';
import { metered, tenantsOfRecords } from '../adapters/metering/invocation.ts';
import { meterBuiltinClassifications, recordModelCall } from '../adapters/metering/record.ts';
import { makeSqsConsumer, PoisonMessageError } from '../adapters/sqs/consume.ts';
import { makeDeadLetterer, sqsClient } from '../adapters/sqs/dead-letter.ts';
import { makeLoadTriageModel } from '../core/use-cases/triage-settings.ts';
import { makeTriageTicket } from '../core/use-cases/triage-ticket.ts';
import { functions } from '../topology.ts';
import { domainEventOf } from './domain-event.ts';
import { logger } from './logger.ts';

// Only the stores triage uses: the bundle carries no routing or API code.
const tables = { main: tableName('main') };
const clock = makeClock();
const ports = {
  tickets: makeDynamoDbTimedTicketStore(documentClient, tables, clock),
  rules: new DynamoDbRuleStore(documentClient, tables),
  macros: new DynamoDbMacroStore(documentClient, tables),
  triageSettings: new DynamoDbTriageSettingsStore(documentClient, tables),
  clock,
  ids: makeIds(),
};
// Metered: Bedrock calls and tokens, and the built-in classifier's verdicts, for the ticket's tenant.
const classifier = meterBuiltinClassifications(
  classifierFromEnv(process.env, {
    onFallback: (reason) =>
      logger.warn('triage: Bedrock failed, the built-in classifier decided', { reason }),
    onUsage: recordModelCall,
  }),
);
const triageTicket = makeTriageTicket({
  ...ports,
  classifier,
  loadTriageModel: makeLoadTriageModel(ports),
});

/** Domain events (EventBridge → SQS) → triage of customer messages and the tenant's automation rules. */
const consume = makeSqsConsumer(
  'triage',
  async (record) => {
    const event = domainEventOf(record);
    if (!('ticket' in event)) throw new PoisonMessageError(`${event.type} is not a ticket event`);
    return { eventId: event.id, type: event.type, ...(await triageTicket(event)) };
  },
  logger,
  { deadLetter: makeDeadLetterer(sqsClient(), 'triage') },
);

/** Metered: its invocations and GB-seconds are counted for the tenants of each batch (adapters/metering). */
export const handler = metered(functions.triage, consume, {
  tenantsOf: tenantsOfRecords,
  store: new DynamoDbUsageStore(documentClient, { main: tableName('main') }),
  logger,
  sqsBatch: true,
});

import { makeClock } from '../adapters/clock.ts';
import { documentClient, tableName } from '../adapters/dynamodb/client.ts';
import { DynamoDbEmailSettingsStore } from '../adapters/dynamodb/mail-stores.ts';
import { DynamoDbMessageStore } from '../adapters/dynamodb/message-store.ts';
import { readSurveyAnswer } from '../adapters/dynamodb/report-store.ts';
import { readCsatSurveys } from '../adapters/dynamodb/survey-settings.ts';
import { DynamoDbTicketStore } from '../adapters/dynamodb/ticket-store.ts';
import { DynamoDbUsageStore } from '../adapters/dynamodb/usage-store.ts';
import { makeIds } from '../adapters/ids.ts';
import { metered, tenantsOfRecords } from '../adapters/metering/invocation.ts';
import { makeReplySignerSource } from '../adapters/reply-signer.ts';
import { makeSesMailer } from '../adapters/ses/mailer.ts';
import { makeSqsConsumer, PoisonMessageError } from '../adapters/sqs/consume.ts';
import { makeSendEmail } from '../core/use-cases/send-email.ts';
import { env, functions } from '../topology.ts';
import { logger } from './logger.ts';

// Only the stores sending needs, each imported on its own: the bundle carries none of the API's use cases.
const tables = { main: tableName('main') };
const ports = {
  tickets: new DynamoDbTicketStore(documentClient, tables),
  emailSettings: new DynamoDbEmailSettingsStore(documentClient, tables),
  messages: new DynamoDbMessageStore(documentClient, tables),
  clock: makeClock(),
  ids: makeIds(),
};
const mailer = makeSesMailer();
const signer = makeReplySignerSource();

/** Built on first use (it needs the reply secret); a failed secret read is retried on the next message. */
let sendEmail: ReturnType<typeof makeSendEmail> | undefined;

/** Domain events (EventBridge → SQS) → acknowledgements, agent replies and surveys on solve, sent with SES. */
const consume = makeSqsConsumer(
  'email-out',
  async (record) => {
    let detail: { id?: unknown; tenantId?: unknown; ticket?: { number?: unknown } };
    try {
      detail = JSON.parse(record.body).detail ?? {};
    } catch {
      throw new PoisonMessageError('not an EventBridge event');
    }
    const { id, tenantId } = detail;
    const number = detail.ticket?.number;
    if (typeof id !== 'string' || typeof tenantId !== 'string' || typeof number !== 'number') {
      throw new PoisonMessageError('not a Deskless domain event (id, tenantId, ticket.number)');
    }
    if (!sendEmail) {
      const replySigner = await signer();
      sendEmail = makeSendEmail({
        ...ports,
        settings: ports.emailSettings,
        mailer,
        signer: replySigner,
        // Satisfaction surveys on solve: the link is signed with the same secret the API checks it with.
        surveys: {
          enabled: (tenant) => readCsatSurveys(documentClient, tables.main, tenant),
          answered: async (tenant, ticket) =>
            (await readSurveyAnswer(documentClient, tables.main, tenant, ticket)) !== null,
          tokens: { sign: async (payload) => replySigner.sign(payload) },
          publicApiUrl: () => process.env[env.publicApiUrl] || null,
        },
      });
    }
    const attempt = Number(record.attributes.ApproximateReceiveCount) || 1;
    return { ...(await sendEmail(tenantId, number, id, attempt)), eventId: id };
  },
  logger,
);

/** Metered: its invocations and GB-seconds are counted for the tenants of each batch (adapters/metering). */
export const handler = metered(functions.emailOut, consume, {
  tenantsOf: tenantsOfRecords,
  store: new DynamoDbUsageStore(documentClient, { main: tableName('main') }),
  logger,
  sqsBatch: true,
});

import type { PriceTable } from './price-table.ts';

/** The AWS services (and the model provider) Deskless pays for, as they appear on a bill. */
export const SERVICES = {
  lambda: 'AWS Lambda (arm64)',
  api: 'API Gateway HTTP API',
  dynamodb: 'DynamoDB (on-demand)',
  sqs: 'SQS',
  sns: 'SNS',
  events: 'EventBridge (custom events)',
  scheduler: 'EventBridge Scheduler',
  ses: 'SES',
  s3: 'S3 Standard',
  logs: 'CloudWatch Logs',
  bedrock: 'Amazon Bedrock',
} as const;

export type Service = keyof typeof SERVICES;

export interface MeterDefinition {
  readonly service: Service;
  /** What one unit of the meter is (plural), e.g. `requests`, `GB-months`. */
  readonly unit: string;
  /**
   * The unit as a bill shows it, when it says how the price table prices it (`bytes written, stored 3 months`);
   * `unit` otherwise.
   */
  readonly billedUnit?: (prices: PriceTable) => string;
  readonly description: string;
  /** The price of one unit, from a price table. */
  readonly unitPrice: (prices: PriceTable) => number;
  /** How AWS quotes the price (`per 1M requests`): the unit price times `per`. For display only. */
  readonly quoted: { readonly per: number; readonly label: string };
}

const perMillion = (label: string) => ({ per: 1_000_000, label: `1M ${label}` });
const perThousand = (label: string) => ({ per: 1_000, label: `1,000 ${label}` });
const perOne = (label: string) => ({ per: 1, label });
const GIB = 1024 ** 3;

/**
 * Everything that costs money in proportion to use, one meter each. Metering records usage against these names
 * (`T#{tenant}#USAGE#{yyyy-mm}` / `{day}#{meter}`); the bill prices them. The order is the bill's order.
 */
export const METERS = {
  'lambda.requests': {
    service: 'lambda',
    unit: 'requests',
    description: 'function invocations (API, authorizer, workers, sweeper)',
    unitPrice: (p) => p.lambda.perMillionRequests / 1_000_000,
    quoted: perMillion('requests'),
  },
  'lambda.gb_seconds': {
    service: 'lambda',
    unit: 'GB-seconds',
    description: 'billed duration × configured memory, INIT of cold starts included',
    unitPrice: (p) => p.lambda.perGbSecond,
    quoted: perOne('GB-second'),
  },
  'api.requests': {
    service: 'api',
    unit: 'requests',
    description: 'HTTP API requests',
    unitPrice: (p) => p.apiGateway.perMillionRequests / 1_000_000,
    quoted: perMillion('requests'),
  },
  'dynamodb.rru': {
    service: 'dynamodb',
    unit: 'read request units',
    description: 'on-demand reads (strongly consistent 4 KB = 1, eventually consistent 0.5, transactional 2)',
    unitPrice: (p) => p.dynamodb.perMillionReadUnits / 1_000_000,
    quoted: perMillion('RRU'),
  },
  'dynamodb.wru': {
    service: 'dynamodb',
    unit: 'write request units',
    description: 'on-demand writes (1 KB = 1, transactional 2), index writes included',
    unitPrice: (p) => p.dynamodb.perMillionWriteUnits / 1_000_000,
    quoted: perMillion('WRU'),
  },
  'dynamodb.storage_gb_month': {
    service: 'dynamodb',
    unit: 'GB-months',
    description: 'table and index storage',
    unitPrice: (p) => p.dynamodb.perGbMonth,
    quoted: perOne('GB-month'),
  },
  'dynamodb.pitr_gb_month': {
    service: 'dynamodb',
    unit: 'GB-months',
    description: 'point-in-time recovery (continuous backups) of the table',
    unitPrice: (p) => p.dynamodb.pitrPerGbMonth,
    quoted: perOne('GB-month'),
  },
  'sqs.requests': {
    service: 'sqs',
    unit: 'requests',
    description: 'send, receive (empty receives of idle pollers too) and delete, per 64 KB chunk',
    unitPrice: (p) => p.sqs.perMillionRequests / 1_000_000,
    quoted: perMillion('requests'),
  },
  'sns.publishes': {
    service: 'sns',
    unit: 'publishes',
    description: 'SES receipt notifications of inbound mail',
    unitPrice: (p) => p.sns.perMillionPublishes / 1_000_000,
    quoted: perMillion('publishes'),
  },
  'events.published': {
    service: 'events',
    unit: 'events',
    description: 'domain events the outbox puts on the bus, per 64 KB chunk',
    unitPrice: (p) => p.eventBridge.perMillionCustomEvents / 1_000_000,
    quoted: perMillion('events'),
  },
  'scheduler.invocations': {
    service: 'scheduler',
    unit: 'invocations',
    description: 'scheduled invocations (the sweeper, every minute)',
    unitPrice: (p) => p.scheduler.perMillionInvocations / 1_000_000,
    quoted: perMillion('invocations'),
  },
  'ses.mails_in': {
    service: 'ses',
    unit: 'mails',
    description: 'mails received',
    unitPrice: (p) => p.ses.inboundPerMail,
    quoted: perThousand('mails'),
  },
  'ses.chunks_in': {
    service: 'ses',
    unit: '256 KB chunks',
    description: 'started 256 KB chunks of received mails',
    unitPrice: (p) => p.ses.inboundPerChunk,
    quoted: perThousand('chunks'),
  },
  'ses.mails_out': {
    service: 'ses',
    unit: 'mails',
    description: 'mails sent (acknowledgements, replies, reminders)',
    unitPrice: (p) => p.ses.outboundPerMail,
    quoted: perThousand('mails'),
  },
  's3.bytes_written': {
    service: 's3',
    unit: 'bytes written',
    description:
      'objects stored (raw inbound MIME written by SES, attachments): each byte priced as stored for the ' +
      'price table’s s3.monthsStoredPerWrite months (3: raw MIME expires after 90 days; attachments are kept ' +
      'longer, which is not charged), in GB-months',
    billedUnit: (p) =>
      `bytes written, priced as stored ${p.s3.monthsStoredPerWrite} months (raw MIME expires after 90 days)`,
    unitPrice: (p) => (p.s3.perGbMonth * p.s3.monthsStoredPerWrite) / GIB,
    quoted: { per: GIB, label: 'GB written' },
  },
  's3.gb_month': {
    service: 's3',
    unit: 'GB-months',
    description: 'stored bytes not priced when written (projection: attachments kept past the months above)',
    unitPrice: (p) => p.s3.perGbMonth,
    quoted: perOne('GB-month'),
  },
  's3.puts': {
    service: 's3',
    unit: 'PUT requests',
    description: 'raw MIME stored by SES, attachments stored by email-in',
    unitPrice: (p) => p.s3.perThousandPuts / 1_000,
    quoted: perThousand('PUTs'),
  },
  's3.gets': {
    service: 's3',
    unit: 'GET requests',
    description: 'raw MIME read by email-in, attachments downloaded',
    unitPrice: (p) => p.s3.perThousandGets / 1_000,
    quoted: perThousand('GETs'),
  },
  'logs.bytes': {
    service: 'logs',
    unit: 'bytes ingested',
    description:
      'function logs: what the logger wrote (each line plus 26 bytes) and the START/END/REPORT lines of each invocation',
    unitPrice: (p) => p.logs.perGbIngested / GIB,
    quoted: { per: GIB, label: 'GB' },
  },
  'bedrock.calls': {
    service: 'bedrock',
    unit: 'calls',
    description:
      'model invocations by triage that the model answered (priced per call only for models priced so)',
    unitPrice: (p) => p.bedrock.perCall,
    quoted: perOne('call'),
  },
  'bedrock.input_tokens': {
    service: 'bedrock',
    unit: 'input tokens',
    description: 'prompt tokens sent to the model, as the model counted them',
    unitPrice: (p) => p.bedrock.perThousandInputTokens / 1_000,
    quoted: perThousand('input tokens'),
  },
  'bedrock.output_tokens': {
    service: 'bedrock',
    unit: 'output tokens',
    description: 'tokens the model answered, as the model counted them',
    unitPrice: (p) => p.bedrock.perThousandOutputTokens / 1_000,
    quoted: perThousand('output tokens'),
  },
  'metering.counter_writes': {
    service: 'dynamodb',
    unit: 'counter writes',
    description:
      'metering’s own overhead: usage counter ADDs (each an item of a transaction, 2 write units), written a ' +
      'few a minute per container and per batch of events',
    unitPrice: (p) => (2 * p.dynamodb.perMillionWriteUnits) / 1_000_000,
    quoted: perMillion('counter writes'),
  },
} as const satisfies Record<string, MeterDefinition>;

export type Meter = keyof typeof METERS;

/** Usage over a period, per meter; a meter left out was not used. */
export type Usage = Partial<Record<Meter, number>>;

export const METER_NAMES = Object.keys(METERS) as Meter[];

export const isMeter = (name: string): name is Meter => Object.hasOwn(METERS, name);

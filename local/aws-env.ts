/**
 * The AWS settings every local SDK client shares. Handlers learn them only through environment variables
 * (`AWS_ENDPOINT_URL_<SERVICE>`, table and bus names), exactly as in Lambda, so adapters never know they are local.
 */
import { buckets, env, eventBus, mail, queues, tables } from '../functions/topology.ts';

export const localRegion = 'us-east-1';
/** The account id the emulators put in ARNs (fauxqs and DynamoDB Local use this one too). */
export const localAccountId = '000000000000';
/** Emulators accept any credentials; the SDK only needs some to sign with. */
export const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' } as const;
/**
 * Prefix of local resource names: tables `deskless-main`, bus `deskless-events`, queues `deskless-<name>`,
 * topics `deskless-<topic>`, buckets `deskless-<name>`.
 */
export const localPrefix = 'deskless';

export interface LocalEndpoints {
  readonly dynamodb: string;
  readonly eventbridge: string;
  /**
   * fauxqs serves SQS, SNS and S3 on one endpoint. It is an IP literal (`http://127.0.0.1:<port>`) on purpose:
   * the S3 client then addresses buckets path-style by itself (its endpoint rules never put a bucket in front of
   * an IP address), so handlers need no `forcePathStyle`.
   */
  readonly sqs: string;
  /** The SES emulator (SES v1 and v2 APIs, and the web page of sent mail), when one runs. */
  readonly ses?: string;
}

export function localEventBusName(prefix: string = localPrefix): string {
  return `${prefix}-${eventBus.name}`;
}

/**
 * The environment a Lambda would get, pointed at the emulators. Table variables follow each table's
 * `envVar` from the topology.
 */
export function localAwsEnv(args: {
  endpoints: LocalEndpoints;
  tableNames: Record<string, string>;
  eventBusName: string;
  operatorApiKey?: string;
  /** Physical bucket names by topology key; each becomes the bucket's `envVar`. */
  bucketNames?: Record<string, string>;
  /** Secret of signed reply addresses (`mail.replySecretEnvVar`). */
  replySecret?: string;
  /** Queue URLs by topology name; each queue with an `envVar` (one functions send to) becomes it. */
  queueUrls?: Record<string, string>;
}): Record<string, string> {
  const vars: Record<string, string> = {
    AWS_REGION: localRegion,
    AWS_DEFAULT_REGION: localRegion,
    AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_ENDPOINT_URL_DYNAMODB: args.endpoints.dynamodb,
    AWS_ENDPOINT_URL_DYNAMODB_STREAMS: args.endpoints.dynamodb,
    AWS_ENDPOINT_URL_EVENTBRIDGE: args.endpoints.eventbridge,
    AWS_ENDPOINT_URL_SQS: args.endpoints.sqs,
    AWS_ENDPOINT_URL_SNS: args.endpoints.sqs,
    AWS_ENDPOINT_URL_S3: args.endpoints.sqs,
    [eventBus.envVar]: args.eventBusName,
    [env.stage]: 'local',
  };
  if (args.endpoints.ses) {
    // SESv2 for the handlers (`mail.sesEndpointEnvVar`); the v1 API too, which the emulator also serves.
    vars[mail.sesEndpointEnvVar] = args.endpoints.ses;
    vars.AWS_ENDPOINT_URL_SES = args.endpoints.ses;
  }
  for (const [key, definition] of Object.entries(tables)) {
    const name = args.tableNames[key];
    if (name) vars[definition.envVar] = name;
  }
  for (const [key, definition] of Object.entries(buckets)) {
    const name = args.bucketNames?.[key];
    if (name) vars[definition.envVar] = name;
  }
  for (const queue of queues) {
    const url = args.queueUrls?.[queue.name];
    if (queue.envVar && url) vars[queue.envVar] = url;
  }
  if (args.operatorApiKey) vars[env.operatorKey] = args.operatorApiKey;
  if (args.replySecret) vars[mail.replySecretEnvVar] = args.replySecret;
  return vars;
}

/**
 * Sets the variables on `process.env` and returns a function that puts the previous values back, so a runtime
 * started inside a test process leaves it as it found it.
 */
export function applyEnv(vars: Record<string, string>): () => void {
  const previous = new Map<string, string | undefined>();
  for (const [key, value] of Object.entries(vars)) {
    previous.set(key, process.env[key]);
    process.env[key] = value;
  }
  return () => {
    for (const [key, value] of previous) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
}

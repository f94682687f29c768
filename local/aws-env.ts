/**
 * The AWS settings every local SDK client shares. Handlers learn them only through environment variables
 * (`AWS_ENDPOINT_URL_<SERVICE>`, table and bus names), exactly as in Lambda, so adapters never know they are local.
 */
import { env, eventBus, tables } from '../functions/topology.ts';

export const localRegion = 'us-east-1';
/** The account id the emulators put in ARNs (fauxqs and DynamoDB Local use this one too). */
export const localAccountId = '000000000000';
/** Emulators accept any credentials; the SDK only needs some to sign with. */
export const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' } as const;
/** Prefix of local resource names: tables `deskless-main`, bus `deskless-events`, queues `deskless-<name>`. */
export const localPrefix = 'deskless';

export interface LocalEndpoints {
  readonly dynamodb: string;
  readonly eventbridge: string;
  /** fauxqs serves SQS, SNS and S3 on one endpoint. */
  readonly sqs: string;
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
  for (const [key, definition] of Object.entries(tables)) {
    const name = args.tableNames[key];
    if (name) vars[definition.envVar] = name;
  }
  if (args.operatorApiKey) vars[env.operatorKey] = args.operatorApiKey;
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

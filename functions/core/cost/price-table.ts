import { DomainError, type FieldError } from '../errors.ts';

/**
 * List prices the cost figures are computed from. Versioned and dated: when AWS changes a price, add a
 * version rather than editing this one, so past figures stay explainable.
 *
 * Prices are written the way AWS quotes them on its pricing pages (per million requests, per 1,000 PUTs, per
 * GB-month…), in US dollars, for us-east-1, without free tiers: `freeTier` keeps AWS's always-free monthly
 * allowances beside the prices, and nothing in the bill deducts them (see free-tier.ts). Volume tiers that only
 * start far beyond a help desk's scale (Lambda past 7.5 billion GB-s a month, HTTP API past 300 million
 * requests, S3 past 50 TB) are not modelled: the first tier's price applies.
 *
 * A deployment with another region or negotiated rates derives its own table with `priceTableWith`.
 */
export interface PriceTable {
  /** Names this set of prices; figures computed from it quote it. */
  readonly version: string;
  /** The day these list prices were in force (ISO date). */
  readonly date: string;
  readonly region: string;
  readonly currency: 'USD';
  readonly lambda: {
    /** Deskless functions run on Graviton (CDK: `Architecture.ARM_64`). */
    readonly architecture: 'arm64';
    readonly perMillionRequests: number;
    /** Duration, billed per ms; since 2025-08-01 the INIT phase of a cold start is billed too. */
    readonly perGbSecond: number;
    readonly freeTier: { readonly requests: number; readonly gbSeconds: number };
  };
  /** API Gateway HTTP API (not REST API), first 300 million requests a month. */
  readonly apiGateway: { readonly perMillionRequests: number };
  readonly dynamodb: {
    /** On-demand capacity (prices halved on 2024-11-01). */
    readonly perMillionReadUnits: number;
    readonly perMillionWriteUnits: number;
    /** Standard table class: table and index data. */
    readonly perGbMonth: number;
    /** Point-in-time recovery (continuous backups; on for the main table), per GB-month of table size. */
    readonly pitrPerGbMonth: number;
    readonly freeTier: { readonly storageGb: number };
  };
  /** Standard queues; every 64 KB chunk of a payload is one request. */
  readonly sqs: {
    readonly perMillionRequests: number;
    readonly chunkBytes: number;
    readonly freeTier: { readonly requests: number };
  };
  /** SES publishes each received mail's notification to SNS; SNS deliveries to SQS are free. */
  readonly sns: { readonly perMillionPublishes: number; readonly freeTier: { readonly publishes: number } };
  /** Custom events put on an event bus (64 KB chunks); rule matching and deliveries to targets are free. */
  readonly eventBridge: { readonly perMillionCustomEvents: number; readonly chunkBytes: number };
  readonly scheduler: {
    readonly perMillionInvocations: number;
    readonly freeTier: { readonly invocations: number };
  };
  readonly ses: {
    /** Receiving: per mail, plus per started 256 KB chunk of each mail. */
    readonly inboundPerMail: number;
    readonly inboundPerChunk: number;
    readonly inboundChunkBytes: number;
    readonly outboundPerMail: number;
  };
  /** S3 Standard. */
  readonly s3: {
    readonly perGbMonth: number;
    readonly perThousandPuts: number;
    readonly perThousandGets: number;
    /**
     * How many months a byte written is billed as stored (`s3.bytes_written` is priced as bytes × this × the
     * GB-month price). Metering counts bytes when they are written, not what the bucket holds each day, so the
     * storage a write commits to is charged to the day of the write. Default 3: the mail bucket's raw inbound
     * MIME expires after 90 days (lib/inbound-mail.ts), and it is most of what is written (attachments travel
     * in it base64-encoded). Attachments are kept longer (no expiry): their storage past these months is not
     * in the report; a deployment that wants it charged raises this.
     */
    readonly monthsStoredPerWrite: number;
  };
  /**
   * CloudWatch Logs ingestion (standard log class), per GB of log events: each event's UTF-8 message plus 26
   * bytes, as CloudWatch sizes them. Storage of the logs (one month of retention) is not metered.
   */
  readonly logs: { readonly perGbIngested: number; readonly freeTier: { readonly gbIngested: number } };
  readonly secretsManager: { readonly perSecretMonth: number };
  /** Standard-resolution metric alarms. */
  readonly cloudWatch: {
    readonly perAlarmMonth: number;
    /** A dashboard beyond the 3 free ones (of up to 50 metrics each) is billed by the month. */
    readonly perDashboardMonth: number;
    readonly freeTier: { readonly alarms: number };
  };
  /** Customer managed keys. Deskless uses none: SQS- and S3-managed encryption, DynamoDB's AWS managed key. */
  readonly kms: { readonly perKeyMonth: number };
  /**
   * The Amazon Bedrock model triage calls (`deskless:bedrockModelId`), on-demand, quoted per 1,000 tokens as
   * the Bedrock pricing page quotes them. The metered tokens (`bedrock.input_tokens`, `bedrock.output_tokens`)
   * of whatever model triage uses are priced with these: a deployment on another model overrides them
   * (`{"bedrock": {"modelId": …, "perThousandInputTokens": …, "perThousandOutputTokens": …, "source": …}}`).
   */
  readonly bedrock: {
    /** The model these prices are of. */
    readonly modelId: string;
    readonly perThousandInputTokens: number;
    readonly perThousandOutputTokens: number;
    /** A price per request, for a model priced that way (0 for token-priced models). */
    readonly perCall: number;
    /** Where the prices come from, dated. */
    readonly source: string;
  };
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/**
 * us-east-1 list prices in force on 2025-06-01, as the AWS pricing pages of Lambda, API Gateway, DynamoDB
 * (after the 2024-11-01 on-demand cut), SQS, SNS, EventBridge, SES, S3, CloudWatch, Secrets Manager, KMS and
 * Amazon Bedrock published them. Bedrock is priced as Amazon Nova Micro by default (the smallest, cheapest
 * text model able to answer triage's JSON): a deployment whose `deskless:bedrockModelId` is another model
 * overrides `bedrock` (BEDROCK_MODEL_PRICES has the list prices of the models the README names).
 */
export const PRICE_TABLE: PriceTable = deepFreeze({
  version: '2025-06-us-east-1',
  date: '2025-06-01',
  region: 'us-east-1',
  currency: 'USD',
  lambda: {
    architecture: 'arm64',
    perMillionRequests: 0.2,
    perGbSecond: 0.0000133334,
    freeTier: { requests: 1_000_000, gbSeconds: 400_000 },
  },
  apiGateway: { perMillionRequests: 1.0 },
  dynamodb: {
    perMillionReadUnits: 0.125,
    perMillionWriteUnits: 0.625,
    perGbMonth: 0.25,
    pitrPerGbMonth: 0.2,
    freeTier: { storageGb: 25 },
  },
  sqs: { perMillionRequests: 0.4, chunkBytes: 64 * 1024, freeTier: { requests: 1_000_000 } },
  sns: { perMillionPublishes: 0.5, freeTier: { publishes: 1_000_000 } },
  eventBridge: { perMillionCustomEvents: 1.0, chunkBytes: 64 * 1024 },
  scheduler: { perMillionInvocations: 1.0, freeTier: { invocations: 14_000_000 } },
  ses: {
    inboundPerMail: 0.1 / 1000,
    inboundPerChunk: 0.09 / 1000,
    inboundChunkBytes: 256 * 1024,
    outboundPerMail: 0.1 / 1000,
  },
  s3: { perGbMonth: 0.023, perThousandPuts: 0.005, perThousandGets: 0.0004, monthsStoredPerWrite: 3 },
  logs: { perGbIngested: 0.5, freeTier: { gbIngested: 5 } },
  secretsManager: { perSecretMonth: 0.4 },
  cloudWatch: { perAlarmMonth: 0.1, perDashboardMonth: 3, freeTier: { alarms: 10 } },
  kms: { perKeyMonth: 1.0 },
  bedrock: {
    modelId: 'amazon.nova-micro-v1:0',
    perThousandInputTokens: 0.000035,
    perThousandOutputTokens: 0.00014,
    perCall: 0,
    source: 'Amazon Bedrock pricing page, Amazon Nova Micro on-demand, us-east-1, list prices of 2025-06-01',
  },
});

/**
 * On-demand prices per 1,000 tokens of the Bedrock models the README names for triage, us-east-1, list prices
 * of 2025-06-01 (the Bedrock pricing page). A convenience for `npm run cost -- --bedrock-model <id>` and for
 * overriding `bedrock`; any other model is priced through overrides.
 */
export const BEDROCK_MODEL_PRICES: Readonly<
  Record<string, { readonly perThousandInputTokens: number; readonly perThousandOutputTokens: number }>
> = deepFreeze({
  'amazon.nova-micro-v1:0': { perThousandInputTokens: 0.000035, perThousandOutputTokens: 0.00014 },
  'us.amazon.nova-micro-v1:0': { perThousandInputTokens: 0.000035, perThousandOutputTokens: 0.00014 },
  'amazon.nova-lite-v1:0': { perThousandInputTokens: 0.00006, perThousandOutputTokens: 0.00024 },
  'us.amazon.nova-lite-v1:0': { perThousandInputTokens: 0.00006, perThousandOutputTokens: 0.00024 },
  'anthropic.claude-3-haiku-20240307-v1:0': {
    perThousandInputTokens: 0.00025,
    perThousandOutputTokens: 0.00125,
  },
});

type DeepPartial<T> = { readonly [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** What a deployment may change: any price, free tier, the region, the model, the version and date. */
export type PriceOverrides = DeepPartial<Omit<PriceTable, 'currency'>>;

/** Fixed by the model itself: amounts are in US dollars, and the functions are arm64. */
const NOT_OVERRIDABLE = new Set(['currency', 'lambda.architecture']);
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** What is wrong with an overriding value, or null when it may replace `base`. */
function leafProblem(path: string, base: unknown, value: unknown): string | null {
  if (typeof base === 'number') {
    if (typeof value !== 'number' || !Number.isFinite(value)) return 'must be a finite number';
    if (value < 0) return 'must not be negative';
    if (path.endsWith('Bytes') && (!Number.isInteger(value) || value === 0)) {
      return 'must be a whole number of bytes above 0';
    }
    return null;
  }
  if (typeof value !== 'string' || value.trim() === '') return 'must be a non-empty string';
  if (path === 'date' && (!ISO_DATE.test(value) || Number.isNaN(Date.parse(value)))) {
    return 'must be an ISO date (YYYY-MM-DD)';
  }
  if (path === 'region' && !REGION.test(value)) return 'must be an AWS region code such as eu-west-1';
  return null;
}

function merge(
  base: Record<string, unknown>,
  overrides: Record<string, unknown>,
  prefix: string,
  errors: FieldError[],
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (!Object.hasOwn(base, key)) {
      errors.push({ path, message: 'is not a price of the table' });
      continue;
    }
    if (NOT_OVERRIDABLE.has(path)) {
      errors.push({ path, message: 'cannot be overridden' });
      continue;
    }
    const current = base[key];
    if (isRecord(current)) {
      if (!isRecord(value)) {
        errors.push({ path, message: 'must be an object' });
        continue;
      }
      merged[key] = merge(current, value, path, errors);
    } else {
      const problem = leafProblem(path, current, value);
      if (problem) errors.push({ path, message: problem });
      merged[key] = value;
    }
  }
  return merged;
}

/** Prices changed by overrides, as paths (`dynamodb.perMillionWriteUnits`). */
function changedPrices(base: Record<string, unknown>, next: Record<string, unknown>, prefix = ''): string[] {
  return Object.keys(base).flatMap((key) => {
    const path = prefix ? `${prefix}.${key}` : key;
    const [a, b] = [base[key], next[key]];
    if (isRecord(a) && isRecord(b)) return changedPrices(a, b, path);
    // Names and notes are not prices: changing only them keeps the version.
    return a === b || path === 'version' || path === 'date' || path === 'bedrock.source' ? [] : [path];
  });
}

/**
 * The price table of a deployment: `base` with `overrides` applied (another region's prices, negotiated rates,
 * the Bedrock model triage uses). Overrides are validated as untrusted input: an unknown key, a negative or
 * non-numeric price, a malformed date or region is a `validation` DomainError listing every problem by path.
 * Figures from a changed table must not pass for list prices: unless the overrides name a version, the
 * result's version is the base's with `+overrides`.
 */
export function priceTableWith(overrides: unknown, base: PriceTable = PRICE_TABLE): PriceTable {
  if (!isRecord(overrides)) {
    throw new DomainError('validation', 'price overrides must be a JSON object', [
      { path: '', message: 'must be an object' },
    ]);
  }
  const errors: FieldError[] = [];
  const baseRecord = base as unknown as Record<string, unknown>;
  const merged = merge(baseRecord, overrides, '', errors);
  if (errors.length > 0) {
    const list = errors.map((e) => `${e.path || '(root)'} ${e.message}`).join('; ');
    throw new DomainError('validation', `invalid price overrides: ${list}`, errors);
  }
  if (overrides.version === undefined && changedPrices(baseRecord, merged).length > 0) {
    merged.version = `${base.version}+overrides`;
  }
  return deepFreeze(merged as unknown as PriceTable);
}

/** What SES charges to receive mails of these sizes (bytes, as received). */
export function sesInboundCost(
  sizes: readonly number[],
  prices: PriceTable['ses'] = PRICE_TABLE.ses,
): number {
  return sizes.reduce(
    (total, size) =>
      total +
      prices.inboundPerMail +
      Math.max(1, Math.ceil(size / prices.inboundChunkBytes)) * prices.inboundPerChunk,
    0,
  );
}

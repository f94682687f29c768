import { describe, expect, it } from 'vitest';
import {
  PRICE_TABLE,
  type PriceTable,
  priceTableWith,
  sesInboundCost,
} from '../../../functions/core/cost/price-table.ts';
import { DomainError } from '../../../functions/core/errors.ts';

function problems(overrides: unknown, base?: PriceTable): string[] {
  try {
    priceTableWith(overrides, base);
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('validation');
    return (error as DomainError).fieldErrors.map((e) => `${e.path}: ${e.message}`);
  }
  throw new Error('the overrides were accepted');
}

describe('the price table', () => {
  it('is dated, versioned, in dollars, and cannot be changed in place', () => {
    expect(PRICE_TABLE).toMatchObject({ version: '2025-06-us-east-1', date: '2025-06-01', currency: 'USD' });
    expect(Object.isFrozen(PRICE_TABLE)).toBe(true);
    expect(Object.isFrozen(PRICE_TABLE.dynamodb)).toBe(true);
    expect(() => {
      (PRICE_TABLE.dynamodb as { perMillionWriteUnits: number }).perMillionWriteUnits = 0;
    }).toThrow(TypeError);
  });

  it('keeps the SES prices the email benchmark quotes', () => {
    expect(PRICE_TABLE.ses.inboundPerMail).toBe(0.1 / 1000);
    expect(PRICE_TABLE.ses.inboundPerChunk).toBe(0.09 / 1000);
    // one 600 KB mail: $0.0001 + 3 chunks × $0.00009 = $0.00037
    expect(sesInboundCost([600 * 1024])).toBeCloseTo(0.00037, 10);
  });
});

describe('priceTableWith', () => {
  it('applies a region and negotiated rates, leaving the rest and the base untouched', () => {
    const table = priceTableWith({
      region: 'eu-west-1',
      dynamodb: { perMillionWriteUnits: 0.7625 },
      lambda: { freeTier: { requests: 0 } },
    });
    expect(table.region).toBe('eu-west-1');
    expect(table.dynamodb.perMillionWriteUnits).toBe(0.7625);
    expect(table.dynamodb.perMillionReadUnits).toBe(PRICE_TABLE.dynamodb.perMillionReadUnits);
    expect(table.lambda.freeTier).toEqual({ requests: 0, gbSeconds: 400_000 });
    expect(table.lambda.perGbSecond).toBe(PRICE_TABLE.lambda.perGbSecond);
    expect(PRICE_TABLE.dynamodb.perMillionWriteUnits).toBe(0.625);
    expect(PRICE_TABLE.region).toBe('us-east-1');
    expect(Object.isFrozen(table.dynamodb)).toBe(true);
  });

  it('marks a changed table so its figures never pass for list prices, unless it names its own version', () => {
    expect(priceTableWith({ s3: { perGbMonth: 0.021 } }).version).toBe('2025-06-us-east-1+overrides');
    expect(
      priceTableWith({ version: 'acme-edp-2026', date: '2026-01-01', sqs: { perMillionRequests: 0.3 } }),
    ).toMatchObject({ version: 'acme-edp-2026', date: '2026-01-01' });
    // Nothing changed: still the list table's version.
    expect(priceTableWith({}).version).toBe('2025-06-us-east-1');
    expect(priceTableWith({ s3: { perGbMonth: 0.023 } }).version).toBe('2025-06-us-east-1');
  });

  it('prices Bedrock as Amazon Nova Micro by default, and another model by overrides', () => {
    // Amazon Nova Micro, us-east-1 on-demand: $0.000035 per 1,000 input tokens, $0.00014 per 1,000 output.
    expect(PRICE_TABLE.bedrock).toMatchObject({
      modelId: 'amazon.nova-micro-v1:0',
      perThousandInputTokens: 0.000035,
      perThousandOutputTokens: 0.00014,
      perCall: 0,
    });
    expect(PRICE_TABLE.bedrock.source).toMatch(/Nova Micro.*2025-06-01/);
    const table = priceTableWith({
      bedrock: {
        modelId: 'anthropic.claude-3-haiku-20240307-v1:0',
        perThousandInputTokens: 0.00025,
        perThousandOutputTokens: 0.00125,
        source: 'Bedrock pricing page, 2025-06-01',
      },
    });
    expect(table.bedrock).toEqual({
      modelId: 'anthropic.claude-3-haiku-20240307-v1:0',
      perCall: 0,
      perThousandInputTokens: 0.00025,
      perThousandOutputTokens: 0.00125,
      source: 'Bedrock pricing page, 2025-06-01',
    });
    expect(table.version).toBe('2025-06-us-east-1+overrides');
    // A note is not a price: changing only the source keeps the list table's version.
    expect(priceTableWith({ bedrock: { source: 'checked again 2025-07-01' } }).version).toBe(
      '2025-06-us-east-1',
    );
    expect(problems({ bedrock: { modelId: null, perThousandInputTokens: -1 } })).toEqual([
      'bedrock.modelId: must be a non-empty string',
      'bedrock.perThousandInputTokens: must not be negative',
    ]);
  });

  it('refuses what is not a price, listing every problem by path', () => {
    expect(
      problems({
        dynamodb: {
          perMillionWriteUnits: -1,
          perMillionReadUnits: '0.1',
          perGbMonth: Number.POSITIVE_INFINITY,
        },
        lambda: { perRequest: 1 },
        route53: {},
      }),
    ).toEqual([
      'dynamodb.perMillionWriteUnits: must not be negative',
      'dynamodb.perMillionReadUnits: must be a finite number',
      'dynamodb.perGbMonth: must be a finite number',
      'lambda.perRequest: is not a price of the table',
      'route53: is not a price of the table',
    ]);
  });

  it('refuses malformed identity fields and fixed parts of the model', () => {
    expect(
      problems({
        currency: 'EUR',
        lambda: { architecture: 'x86_64' },
        date: 'June 2025',
        region: 'Ireland',
        version: '',
        sqs: { chunkBytes: 0 },
        bedrock: { modelId: 42 },
        ses: 5,
      }),
    ).toEqual([
      'currency: cannot be overridden',
      'lambda.architecture: cannot be overridden',
      'date: must be an ISO date (YYYY-MM-DD)',
      'region: must be an AWS region code such as eu-west-1',
      'version: must be a non-empty string',
      'sqs.chunkBytes: must be a whole number of bytes above 0',
      'bedrock.modelId: must be a non-empty string',
      'ses: must be an object',
    ]);
    expect(problems('{"dynamodb":{}}')).toEqual([': must be an object']);
    expect(problems([])).toEqual([': must be an object']);
    expect(problems({ date: '2025-02-30x' })).toEqual(['date: must be an ISO date (YYYY-MM-DD)']);
  });
});

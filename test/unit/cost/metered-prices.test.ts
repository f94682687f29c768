import { describe, expect, it } from 'vitest';
import { bill } from '../../../functions/core/cost/bill.ts';
import { NOTHING_FIXED } from '../../../functions/core/cost/footprint.ts';
import { freeTierAllowance } from '../../../functions/core/cost/free-tier.ts';
import { PRICE_TABLE, priceTableWith } from '../../../functions/core/cost/price-table.ts';

const GIB = 1024 ** 3;
const month = { tickets: 1_000, days: 30, footprint: NOTHING_FIXED };

describe('the metered meters, priced (hand-computed, price table 2025-06-us-east-1)', () => {
  it('prices Bedrock tokens, S3 writes, log bytes and metering’s own writes', () => {
    const result = bill(
      {
        's3.bytes_written': 10 * GIB,
        's3.puts': 2_000,
        'logs.bytes': 2 * GIB,
        'bedrock.calls': 1_000,
        'bedrock.input_tokens': 1_200_000,
        'bedrock.output_tokens': 100_000,
        'metering.counter_writes': 1_000_000,
      },
      PRICE_TABLE,
      month,
    );
    // s3.bytes_written     10 GiB × $0.023 per GB-month × 3 months = $0.69
    // s3.puts               2,000 × $0.005 / 1,000                   = $0.01
    // logs.bytes            2 GiB × $0.50 per GB ingested            = $1.00
    // bedrock.calls         1,000 × $0 (Nova Micro: per token)       = $0
    // bedrock.input_tokens  1,200,000 × $0.000035 / 1,000            = $0.042
    // bedrock.output_tokens   100,000 × $0.00014 / 1,000             = $0.014
    // metering.counter_writes 1,000,000 × 2 WRU × $0.625 / 1M         = $1.25
    // total $3.006, $0.003006 a ticket
    expect(result.lineItems.map((i) => [i.service, i.meter, i.cost])).toEqual([
      ['s3', 's3.bytes_written', 0.69],
      ['s3', 's3.puts', 0.01],
      ['logs', 'logs.bytes', 1],
      ['bedrock', 'bedrock.calls', 0],
      ['bedrock', 'bedrock.input_tokens', 0.042],
      ['bedrock', 'bedrock.output_tokens', 0.014],
      ['dynamodb', 'metering.counter_writes', 1.25],
    ]);
    expect(result.total).toBe(3.006);
    expect(result.costPerTicket).toBe(0.003006);
    const unitPrices = Object.fromEntries(result.lineItems.map((i) => [i.meter, i.unitPrice]));
    expect(unitPrices['bedrock.input_tokens']).toBe(0.000000035);
    expect(unitPrices['bedrock.output_tokens']).toBe(0.00000014);
    expect(unitPrices['metering.counter_writes']).toBe(0.00000125);
    expect(unitPrices['s3.bytes_written']).toBeCloseTo(0.069 / GIB, 20);
    expect(unitPrices['logs.bytes']).toBeCloseTo(0.5 / GIB, 20);
  });

  it('says in the S3 line how long a written byte is priced as stored', () => {
    const [item] = bill({ 's3.bytes_written': GIB }, PRICE_TABLE, month).lineItems;
    expect(item!.unit).toBe('bytes written, priced as stored 3 months (raw MIME expires after 90 days)');
    expect(item!.cost).toBe(0.069);
    // A deployment that keeps its attachments a year prices a year of storage per byte written.
    const year = priceTableWith({ s3: { monthsStoredPerWrite: 12 } });
    const [kept] = bill({ 's3.bytes_written': GIB }, year, month).lineItems;
    expect(kept!.unit).toMatch(/stored 12 months/);
    // 1 GiB × $0.023 × 12 = $0.276
    expect(kept!.cost).toBe(0.276);
  });

  it('prices the tokens of another model with its overridden prices', () => {
    const haiku = priceTableWith({
      bedrock: {
        modelId: 'anthropic.claude-3-haiku-20240307-v1:0',
        perThousandInputTokens: 0.00025,
        perThousandOutputTokens: 0.00125,
      },
    });
    const result = bill(
      { 'bedrock.input_tokens': 1_200_000, 'bedrock.output_tokens': 100_000 },
      haiku,
      month,
    );
    // 1,200 × $0.00025 + 100 × $0.00125 = $0.30 + $0.125 = $0.425
    expect(result.lineItems.map((i) => i.cost)).toEqual([0.3, 0.125]);
    expect(result.total).toBe(0.425);
  });

  it('counts log bytes against the 5 GB always-free ingestion', () => {
    const free = freeTierAllowance({ 'logs.bytes': 8 * GIB }, PRICE_TABLE, {
      days: 30,
      footprint: NOTHING_FIXED,
    });
    // 5 of the 8 GiB: 5 × $0.50 = $2.50
    expect(free.items).toEqual([
      { what: 'CloudWatch Logs ingestion (bytes)', quantity: 5 * GIB, value: 2.5 },
    ]);
  });
});

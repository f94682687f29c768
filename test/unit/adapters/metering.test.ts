import { Console } from 'node:console';
import { Writable } from 'node:stream';
import { Logger } from '@aws-lambda-powertools/logger';
import { BedrockRuntimeClient, ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BedrockClassifier } from '../../../functions/adapters/bedrock/classifier.ts';
import { EventBridgePublisher } from '../../../functions/adapters/eventbridge/publisher.ts';
import { DEPLOYMENT_TENANT, UsageBuffer, usageBuffer } from '../../../functions/adapters/metering/buffer.ts';
import { metered, tenantsOfStreamRecords } from '../../../functions/adapters/metering/invocation.ts';
import {
  countLoggedBytes,
  LOG_EVENT_OVERHEAD_BYTES,
  PLATFORM_LOG_BYTES_PER_INVOCATION,
  takeLoggedBytes,
} from '../../../functions/adapters/metering/logs.ts';
import {
  EVENT_CHUNK_BYTES,
  meterBlobWrites,
  meterBuiltinClassifications,
  recordEventPut,
  recordModelCall,
  recordS3Write,
  tenantUnderPrefix,
} from '../../../functions/adapters/metering/record.ts';
import type { PublishedEvent } from '../../../functions/core/domain-events.ts';
import type { UsageByTenantDay } from '../../../functions/core/metering.ts';
import { makeBuiltinClassifier } from '../../../functions/core/triage/builtin-classifier.ts';
import type { TenantTriageModel } from '../../../functions/core/triage/classifier.ts';

/** What a buffer holds, per tenant and counter (all days summed), read by flushing it into a fake store. */
async function contents(buffer: UsageBuffer): Promise<Record<string, Record<string, number>>> {
  const seen: Record<string, Record<string, number>> = {};
  await buffer.flush(
    {
      add: async (usage: UsageByTenantDay) => {
        for (const [tenant, days] of usage) {
          const counts = seen[tenant] ?? {};
          seen[tenant] = counts;
          for (const day of days.values()) {
            for (const [counter, quantity] of Object.entries(day))
              counts[counter] = (counts[counter] ?? 0) + (quantity ?? 0);
          }
        }
      },
      read: async () => new Map(),
    },
    { force: true },
  );
  return seen;
}

const model: TenantTriageModel = { keywords: { refund: ['refund'] } };
const message = { subject: 'Refund', body: 'I want a refund for order 12.', channel: 'email' };

describe('Bedrock calls and tokens', () => {
  const bedrock = mockClient(BedrockRuntimeClient);
  const answer = {
    language: 'en',
    sentiment: -0.2,
    intent: 'refund',
    urgency: 'normal',
    confidence: { language: 1, sentiment: 0.6, intent: 0.9, urgency: 0.5 },
  };
  const reply = (text: string, usage?: { inputTokens: number; outputTokens: number }) => ({
    output: { message: { role: 'assistant' as const, content: [{ text }] } },
    stopReason: 'end_turn' as const,
    ...(usage && { usage: { ...usage, totalTokens: usage.inputTokens + usage.outputTokens } }),
  });
  let buffer: UsageBuffer;
  const classifier = () =>
    meterBuiltinClassifications(
      new BedrockClassifier({
        client: new BedrockRuntimeClient({ region: 'us-east-1' }),
        modelId: 'amazon.nova-micro-v1:0',
        timeoutMs: 2000,
        fallback: makeBuiltinClassifier(),
        onUsage: (usage) => recordModelCall(usage, buffer),
      }),
      buffer,
    );

  beforeEach(() => {
    bedrock.reset();
    buffer = new UsageBuffer();
  });
  afterEach(() => bedrock.reset());

  it('records each answered call and the tokens the model reported, for the message’s tenant', async () => {
    bedrock
      .on(ConverseCommand)
      .resolvesOnce(reply(JSON.stringify(answer), { inputTokens: 1_187, outputTokens: 64 }))
      .resolvesOnce(reply(JSON.stringify(answer), { inputTokens: 1_203, outputTokens: 71 }));
    const verdict = await classifier().classify({ ...message, tenantId: 'acme' }, model);
    expect(verdict.classifier).toMatch(/^bedrock:/);
    await classifier().classify({ ...message, tenantId: 'acme' }, model);
    expect(await contents(buffer)).toEqual({
      acme: { 'bedrock.calls': 2, 'bedrock.input_tokens': 2_390, 'bedrock.output_tokens': 135 },
    });
  });

  it('records an answer it could not use (Bedrock billed it) and the fallback’s verdict', async () => {
    bedrock
      .on(ConverseCommand)
      .resolves(reply('I think it is about a refund.', { inputTokens: 900, outputTokens: 12 }));
    const verdict = await classifier().classify({ ...message, tenantId: 'acme' }, model);
    expect(verdict.classifier).toMatch(/^builtin/);
    expect(await contents(buffer)).toEqual({
      acme: {
        'bedrock.calls': 1,
        'bedrock.input_tokens': 900,
        'bedrock.output_tokens': 12,
        'triage.builtin_calls': 1,
      },
    });
  });

  it('records no call when Bedrock did not answer (throttled), only the fallback’s verdict', async () => {
    bedrock
      .on(ConverseCommand)
      .rejects(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }));
    await classifier().classify({ ...message, tenantId: 'acme' }, model);
    expect(await contents(buffer)).toEqual({ acme: { 'triage.builtin_calls': 1 } });
  });

  it('counts a message without a tenant, and a response without usage, for the deployment', async () => {
    bedrock.on(ConverseCommand).resolves(reply(JSON.stringify(answer)));
    await classifier().classify(message, model);
    // The call is counted; its tokens are unknown (0 adds nothing).
    expect(await contents(buffer)).toEqual({ [DEPLOYMENT_TENANT]: { 'bedrock.calls': 1 } });
  });

  it('counts the built-in classifier’s verdicts', async () => {
    const builtin = meterBuiltinClassifications(makeBuiltinClassifier(), buffer);
    await builtin.classify({ ...message, tenantId: 'acme' }, model);
    await builtin.classify({ ...message, tenantId: 'globex' }, model);
    expect(await contents(buffer)).toEqual({
      acme: { 'triage.builtin_calls': 1 },
      globex: { 'triage.builtin_calls': 1 },
    });
  });
});

describe('log bytes', () => {
  /** A Powertools logger whose output goes to `lines` instead of stdout, counted. */
  function capturedLogger() {
    const written: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        written.push(String(chunk));
        done();
      },
    });
    const logger = new Logger({ serviceName: 'deskless-test' });
    // The logger's own console, pointed at the sink (the field countLoggedBytes wraps).
    (logger as unknown as { console: Console }).console = new Console({ stdout: sink, stderr: sink });
    expect(countLoggedBytes(logger)).toBe(true);
    return { logger, written };
  }

  it('counts exactly what the logger printed, each line plus CloudWatch’s 26 bytes per event', () => {
    const { logger, written } = capturedLogger();
    takeLoggedBytes();
    logger.info('triage: done', { messageId: 'm-1', outcome: 'changed', note: 'ünïcödé ✓' });
    logger.warn('email-in: dropped', { reason: 'no recipient is a registered support address' });
    logger.error('routing: failed, will retry', { error: new Error('boom') });
    const lines = written.join('').split('\n').filter(Boolean);
    expect(lines).toHaveLength(3);
    const expected = lines.reduce((sum, line) => sum + Buffer.byteLength(line) + LOG_EVENT_OVERHEAD_BYTES, 0);
    expect(takeLoggedBytes()).toBe(expected);
    // UTF-8 bytes, not characters
    expect(expected).toBeGreaterThan(lines.reduce((sum, line) => sum + line.length + 26, 0));
    expect(takeLoggedBytes()).toBe(0);
  });

  it('leaves a logger it does not recognise alone', () => {
    expect(countLoggedBytes({})).toBe(false);
    expect(countLoggedBytes({ console: 'nothing' })).toBe(false);
  });

  it('is taken by the handler wrapper, with Lambda’s own lines, and shared among the invocation’s tenants', async () => {
    const { logger } = capturedLogger();
    const store = { add: async () => {}, read: async () => new Map() };
    await contents(usageBuffer);
    takeLoggedBytes();
    const handler = metered(
      { name: 'test', memoryMb: 512 },
      async (event: { Records: { body: string }[] }) => {
        for (const record of event.Records) logger.info('test: done', { body: record.body });
        return 'ok';
      },
      {
        tenantsOf: (event) => event.Records.map((r) => JSON.parse(r.body).tenantId as string),
        store,
        logger: { warn: () => {} },
      },
    );
    const body = (tenantId: string) => JSON.stringify({ tenantId });
    expect(await handler({ Records: [{ body: body('acme') }, { body: body('globex') }] })).toBe('ok');
    const seen = await contents(usageBuffer);
    const acme = seen.acme?.['logs.bytes'] ?? 0;
    const globex = seen.globex?.['logs.bytes'] ?? 0;
    // Two lines of ~100 bytes + 26 each, and START/END/REPORT, split half and half.
    expect(acme).toBeCloseTo(globex, 6);
    expect(acme + globex).toBeGreaterThan(PLATFORM_LOG_BYTES_PER_INVOCATION + 2 * 100);
    expect(acme + globex).toBeLessThan(PLATFORM_LOG_BYTES_PER_INVOCATION + 2 * 250);
    expect(seen.acme?.['lambda.requests']).toBe(0.5);
  });
});

describe('S3 writes', () => {
  it('meters a PUT and its bytes with one call, for the tenant or the deployment', async () => {
    const buffer = new UsageBuffer();
    recordS3Write('acme', 2_048, { buffer });
    recordS3Write('acme', 1_000, { buffer, puts: 2 });
    recordS3Write(null, 500, { buffer });
    expect(await contents(buffer)).toEqual({
      acme: { 's3.puts': 3, 's3.bytes_written': 3_048 },
      [DEPLOYMENT_TENANT]: { 's3.puts': 1, 's3.bytes_written': 500 },
    });
  });

  it('meters a blob store’s successful puts for the tenant of each key, and not a failed one', async () => {
    const buffer = new UsageBuffer();
    const stored: string[] = [];
    const store = meterBlobWrites(
      {
        put: async (key) => {
          if (key.includes('fail')) throw new Error('S3 said no');
          stored.push(key);
        },
      },
      (key) => tenantUnderPrefix(key, 'attachments/'),
      buffer,
    );
    await store.put('attachments/acme/m1/0-invoice.pdf', new Uint8Array(3_000), 'application/pdf');
    await store.put('attachments/acme/m1/1-photo.jpg', new Uint8Array(7_000), 'image/jpeg');
    await expect(store.put('attachments/acme/fail', new Uint8Array(9), 'text/plain')).rejects.toThrow();
    await store.put('elsewhere/x', new Uint8Array(10), 'text/plain');
    expect(stored).toHaveLength(3);
    expect(await contents(buffer)).toEqual({
      acme: { 's3.puts': 2, 's3.bytes_written': 10_000 },
      [DEPLOYMENT_TENANT]: { 's3.puts': 1, 's3.bytes_written': 10 },
    });
    expect(tenantUnderPrefix('attachments//x', 'attachments/')).toBeNull();
  });
});

describe('events put on the bus', () => {
  const eventBridge = mockClient(EventBridgeClient);
  afterEach(() => eventBridge.reset());

  const event = (id: string, tenantId: string, extra = ''): PublishedEvent =>
    ({
      id,
      type: 'ticket.created',
      version: 1,
      tenantId,
      occurredAt: '2026-03-02T09:00:00.000Z',
      ticket: { number: 1 },
      data: { extra },
    }) as unknown as PublishedEvent;

  it('meters every accepted entry for its tenant, per started 64 KB, and no rejected one', async () => {
    const buffer = new UsageBuffer();
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ EventId: 'e1' }, { ErrorCode: 'InternalFailure' }, { EventId: 'e3' }],
    });
    const sizes: number[] = [];
    const publisher = new EventBridgePublisher(new EventBridgeClient({ region: 'us-east-1' }), 'bus', {
      onPut: (published, bytes) => {
        sizes.push(bytes);
        recordEventPut(published.tenantId, bytes, buffer);
      },
    });
    const big = 'x'.repeat(70 * 1024);
    const result = await publisher.publish([
      event('1', 'acme'),
      event('2', 'acme'),
      event('3', 'globex', big),
    ]);
    expect(result.failedIds).toEqual(['2']);
    // The entry's size: its detail, detail-type, source and 14 bytes for the time.
    const entries = eventBridge.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries!;
    expect(sizes[0]).toBe(
      Buffer.byteLength(entries[0]!.Detail!) + 'ticket.created'.length + 'deskless'.length + 14,
    );
    expect(sizes[1]).toBeGreaterThan(EVENT_CHUNK_BYTES);
    expect(await contents(buffer)).toEqual({
      acme: { 'events.published': 1 },
      globex: { 'events.published': 2 },
    });
  });
});

describe('the outbox’s tenants', () => {
  it('reads each stream record’s tenant from its key', () => {
    expect(
      tenantsOfStreamRecords({
        Records: [
          { dynamodb: { Keys: { pk: { S: 'T#acme#TKT#1' }, sk: { S: 'EV#01' } } } },
          { dynamodb: { Keys: { pk: { S: 'T#globex#AGT#a1' }, sk: { S: 'EV#02' } } } },
          { dynamodb: { Keys: { pk: { S: 'APIKEY#x' } } } },
          {},
        ],
      }),
    ).toEqual(['acme', 'globex', DEPLOYMENT_TENANT, DEPLOYMENT_TENANT]);
  });
});

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDynamoDbPorts, meterExportWrites } from '../../../functions/adapters/dynamodb/ports.ts';
import { DEPLOYMENT_TENANT, UsageBuffer, usageBuffer } from '../../../functions/adapters/metering/buffer.ts';
import type { UsageByTenantDay } from '../../../functions/core/metering.ts';
import type { ExportStore } from '../../../functions/core/ports.ts';
import { buckets } from '../../../functions/topology.ts';

/**
 * The API's own S3 writes (report exports, channel attachments) are metered for the tenant whose key they are
 * under, as the email intake's are: each PUT and its bytes, only when it succeeded.
 */

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
            for (const [counter, quantity] of Object.entries(day)) {
              counts[counter] = (counts[counter] ?? 0) + (quantity ?? 0);
            }
          }
        }
      },
      read: async () => new Map(),
    },
    { force: true },
  );
  return seen;
}

describe('meterExportWrites', () => {
  it('meters each successful export PUT with the UTF-8 bytes of its CSV, for the tenant of its key', async () => {
    const written: string[] = [];
    const store: ExportStore = {
      async put(key) {
        if (key.includes('fail')) throw new Error('S3 said no');
        written.push(key);
      },
      signedUrl: async (key, seconds) => ({ url: `https://signed/${key}?s=${seconds}`, expiresAt: 'then' }),
    };
    const buffer = new UsageBuffer();
    const metered = meterExportWrites(store, buffer);
    const options = { contentType: 'text/csv', filename: 'x.csv' };
    // "é" and "€" are 2 and 3 bytes in UTF-8: 8 + 2 + 3 = 13 bytes, 10 characters.
    await metered.put('exports/acme/01A.csv', 'name,é,€\r\n', options);
    await metered.put('exports/acme/01B.csv', 'a,b\r\n', options);
    await expect(metered.put('exports/acme/fail.csv', 'never', options)).rejects.toThrow('S3 said no');
    await metered.put('exports/globex/01C.csv', 'x', options);
    await metered.put('elsewhere.csv', 'yz', options);
    expect(written).toEqual([
      'exports/acme/01A.csv',
      'exports/acme/01B.csv',
      'exports/globex/01C.csv',
      'elsewhere.csv',
    ]);
    expect(await metered.signedUrl('exports/acme/01A.csv', 900)).toEqual({
      url: 'https://signed/exports/acme/01A.csv?s=900',
      expiresAt: 'then',
    });
    expect(await contents(buffer)).toEqual({
      acme: { 's3.puts': 2, 's3.bytes_written': 13 + 5 },
      globex: { 's3.puts': 1, 's3.bytes_written': 1 },
      [DEPLOYMENT_TENANT]: { 's3.puts': 1, 's3.bytes_written': 2 },
    });
  });
});

describe('the API ports’ S3 writes', () => {
  let server: Server;
  const puts: { path: string; bytes: number }[] = [];
  const saved = new Map<string, string | undefined>();
  const setEnv = (name: string, value: string) => {
    if (!saved.has(name)) saved.set(name, process.env[name]);
    process.env[name] = value;
  };

  beforeAll(async () => {
    // A stand-in S3 endpoint: every PutObject succeeds.
    server = createServer((request, response) => {
      let bytes = 0;
      request.on('data', (chunk: Buffer) => {
        bytes += chunk.byteLength;
      });
      request.on('end', () => {
        puts.push({ path: request.url ?? '', bytes });
        response.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    setEnv('AWS_ENDPOINT_URL_S3', `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    setEnv('AWS_ACCESS_KEY_ID', 'test');
    setEnv('AWS_SECRET_ACCESS_KEY', 'test');
    setEnv('AWS_REGION', 'us-east-1');
    setEnv(buckets.exports.envVar, 'exports-bucket');
    setEnv(buckets.mail.envVar, 'mail-bucket');
  });

  afterAll(async () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('meters report exports and channel attachments for their tenants (no DynamoDB call is made)', async () => {
    const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
    const ports = makeDynamoDbPorts(client, { main: 'main', idempotency: 'idempotency' });
    await contents(usageBuffer); // whatever was measured before this test
    await ports.exports.put('exports/acme/01EXPORT.csv', 'day,created\r\n2026-03-02,€\r\n', {
      contentType: 'text/csv',
      filename: 'metrics.csv',
    });
    await ports.blobs.put('attachments/globex/chn_1/abc/0-photo.jpg', new Uint8Array(4_096), 'image/jpeg');
    expect(puts.map((put) => put.path)).toEqual([
      '/exports-bucket/exports/acme/01EXPORT.csv',
      '/mail-bucket/attachments/globex/chn_1/abc/0-photo.jpg',
    ]);
    const csvBytes = Buffer.byteLength('day,created\r\n2026-03-02,€\r\n', 'utf8');
    expect(puts.map((put) => put.bytes)).toEqual([csvBytes, 4_096]);
    expect(await contents(usageBuffer)).toEqual({
      acme: { 's3.puts': 1, 's3.bytes_written': csvBytes },
      globex: { 's3.puts': 1, 's3.bytes_written': 4_096 },
    });
  });
});

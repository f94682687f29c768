import { describe, expect, it } from 'vitest';
import { makeExportBucket, S3ExportBucket } from '../../../functions/adapters/s3/export-bucket.ts';
import { presignedUrl, sha256Hex, signedHeaders } from '../../../functions/adapters/s3/sigv4.ts';

/**
 * The examples of AWS's S3 documentation ("Signature Calculations for the Authorization Header" and "Query
 * String Authentication"): same keys, same request, same instant → the published signatures.
 */
const credentials = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};
const scope = { region: 'us-east-1', service: 's3', credentials, now: new Date('2013-05-24T00:00:00Z') };

describe('SigV4 for S3', () => {
  it('pre-signs a GET as in AWS’s example', () => {
    const url = presignedUrl(scope, {
      method: 'GET',
      url: new URL('https://examplebucket.s3.amazonaws.com/test.txt'),
      expiresInSeconds: 86400,
    });
    expect(url).toBe(
      'https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404',
    );
  });

  it('signs a PUT with its payload hash and a GET with a range, as in AWS’s examples', () => {
    const body = 'Welcome to Amazon S3.';
    expect(sha256Hex(body)).toBe('44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072');
    const put = signedHeaders(scope, {
      method: 'PUT',
      url: new URL('https://examplebucket.s3.amazonaws.com/test$file.text'),
      headers: { date: 'Fri, 24 May 2013 00:00:00 GMT', 'x-amz-storage-class': 'REDUCED_REDUNDANCY' },
      payloadHash: sha256Hex(body),
    });
    expect(put.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class, Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd',
    );
    expect(put).toMatchObject({ 'x-amz-date': '20130524T000000Z', 'x-amz-content-sha256': sha256Hex(body) });
    const get = signedHeaders(scope, {
      method: 'GET',
      url: new URL('https://examplebucket.s3.amazonaws.com/test.txt'),
      headers: { range: 'bytes=0-9' },
      payloadHash: sha256Hex(''),
    });
    expect(get.authorization).toMatch(
      /Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41$/,
    );
  });

  it('carries a session token (Lambda’s credentials) in the signed request', () => {
    const session = { ...scope, credentials: { ...credentials, sessionToken: 'token/with+chars=' } };
    const url = new URL(
      presignedUrl(session, {
        method: 'GET',
        url: new URL('https://b.s3.amazonaws.com/k'),
        expiresInSeconds: 60,
      }),
    );
    expect(url.searchParams.get('X-Amz-Security-Token')).toBe('token/with+chars=');
    expect(url.search).toContain('X-Amz-Security-Token=token%2Fwith%2Bchars%3D');
    const headers = signedHeaders(session, {
      method: 'PUT',
      url: new URL('https://b.s3.amazonaws.com/k'),
      payloadHash: sha256Hex('x'),
    });
    expect(headers['x-amz-security-token']).toBe('token/with+chars=');
    expect(headers.authorization).toContain(
      'SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token',
    );
  });
});

describe('the exports bucket over HTTPS', () => {
  function bucket(endpoint?: string) {
    const requests: { url: string; init: RequestInit }[] = [];
    const store = new S3ExportBucket({
      bucket: 'deskless-exports',
      region: 'eu-west-1',
      endpoint,
      credentials: () => credentials,
      now: () => new Date('2026-03-02T09:00:00.500Z'),
      fetch: (async (url: URL, init: RequestInit) => {
        requests.push({ url: String(url), init });
        return new Response('', { status: 200 });
      }) as typeof fetch,
    });
    return { store, requests };
  }

  it('PUTs the CSV, signed, to the regional virtual-hosted endpoint, and links to it for 15 minutes', async () => {
    const { store, requests } = bucket();
    await store.put('exports/acme/01J.csv', 'a,b\r\n', {
      contentType: 'text/csv; charset=utf-8',
      filename: 'r "1".csv',
    });
    expect(requests).toHaveLength(1);
    const { url, init } = requests[0]!;
    expect(url).toBe('https://deskless-exports.s3.eu-west-1.amazonaws.com/exports/acme/01J.csv');
    const headers = init.headers as Record<string, string>;
    expect(headers).toMatchObject({
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': 'attachment; filename="r__1_.csv"',
      'x-amz-content-sha256': sha256Hex('a,b\r\n'),
      'x-amz-date': '20260302T090000Z',
    });
    expect(headers.authorization).toContain('/20260302/eu-west-1/s3/aws4_request');
    expect(headers.authorization).toContain(
      'SignedHeaders=content-disposition;content-type;host;x-amz-content-sha256;x-amz-date',
    );
    const link = await store.signedUrl('exports/acme/01J.csv', 900);
    expect(link.expiresAt).toBe('2026-03-02T09:15:00.000Z');
    expect(link.url).toMatch(
      /^https:\/\/deskless-exports\.s3\.eu-west-1\.amazonaws\.com\/exports\/acme\/01J\.csv\?X-Amz-Algorithm=AWS4-HMAC-SHA256&.*X-Amz-Expires=900&X-Amz-SignedHeaders=host&X-Amz-Signature=[0-9a-f]{64}$/,
    );
  });

  it('addresses an emulator endpoint path-style, and says what S3 answered when a PUT fails', async () => {
    const { store, requests } = bucket('http://127.0.0.1:4566/');
    await store.put('exports/t/1.csv', 'x', { contentType: 'text/csv', filename: 'f.csv' });
    expect(requests[0]!.url).toBe('http://127.0.0.1:4566/deskless-exports/exports/t/1.csv');
    expect((await store.signedUrl('exports/t/1.csv', 60)).url).toMatch(
      /^http:\/\/127\.0\.0\.1:4566\/deskless-exports\/exports\/t\/1\.csv\?/,
    );
    const failing = new S3ExportBucket({
      bucket: 'b',
      region: 'us-east-1',
      credentials: () => credentials,
      fetch: (async () =>
        new Response('<Error><Code>AccessDenied</Code></Error>', { status: 403 })) as typeof fetch,
    });
    await expect(
      failing.put('exports/t/1.csv', 'x', { contentType: 'text/csv', filename: 'f.csv' }),
    ).rejects.toThrow(/403 <Error><Code>AccessDenied/);
  });

  it('reads its bucket, region, endpoint and credentials from the environment', async () => {
    const environment = {
      EXPORTS_BUCKET: 'my-exports',
      AWS_REGION: 'ap-southeast-2',
      AWS_ACCESS_KEY_ID: 'AKID',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_SESSION_TOKEN: 'session',
    };
    const { url } = await makeExportBucket(environment).signedUrl('exports/t/x.csv', 900);
    expect(url).toMatch(/^https:\/\/my-exports\.s3\.ap-southeast-2\.amazonaws\.com\/exports\/t\/x\.csv\?/);
    expect(new URL(url).searchParams.get('X-Amz-Credential')).toMatch(
      /^AKID\/\d{8}\/ap-southeast-2\/s3\/aws4_request$/,
    );
    expect(new URL(url).searchParams.get('X-Amz-Security-Token')).toBe('session');
    await expect(makeExportBucket({ ...environment, EXPORTS_BUCKET: '' }).signedUrl('k', 1)).rejects.toThrow(
      /EXPORTS_BUCKET is not set/,
    );
    await expect(makeExportBucket({ EXPORTS_BUCKET: 'b' }).signedUrl('k', 1)).rejects.toThrow(
      /no AWS credentials/,
    );
  });
});

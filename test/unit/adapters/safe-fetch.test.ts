import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ALLOW_LOOPBACK_ENV,
  BlockedUrlError,
  makeSafeFetch,
  ResponseTooLargeError,
  urlPolicyFromEnv,
} from '../../../functions/adapters/http/safe-fetch.ts';
import { AWS_URL_POLICY } from '../../../functions/core/net/public-address.ts';

/**
 * The SSRF-guarded fetch against a real HTTP server on 127.0.0.1. DNS answers can be overridden per host name
 * (node:dns is wrapped), to show that every address a name resolves to is checked when the socket connects.
 */
const dnsAnswers = vi.hoisted(() => new Map<string, { address: string; family: number }[]>());

vi.mock('node:dns', async (importOriginal) => {
  const original = await importOriginal<typeof import('node:dns')>();
  const lookup = ((hostname: string, options: unknown, callback: (...args: unknown[]) => void) => {
    const answer = dnsAnswers.get(hostname);
    if (answer) return process.nextTick(() => callback(null, answer));
    return (original.lookup as (...args: unknown[]) => void)(hostname, options, callback);
  }) as typeof original.lookup;
  return { ...original, lookup, default: { ...original, lookup } };
});

const LOCAL = { allowLoopbackHttp: true };
const localFetch = makeSafeFetch(LOCAL);
const awsFetch = makeSafeFetch(AWS_URL_POLICY);

let server: Server;
let base: string;
const hits: { path: string; headers: IncomingMessage['headers']; body: string; port?: number }[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      hits.push({ path: request.url ?? '', headers: request.headers, body, port: request.socket.remotePort });
      switch (request.url) {
        case '/ok':
          response.writeHead(200, { 'content-type': 'text/plain' }).end('fine');
          return;
        case '/big':
          response
            .writeHead(200, { 'content-type': 'application/octet-stream' })
            .end(Buffer.alloc(100 * 1024, 1));
          return;
        case '/slow':
          // Answers long after any test's deadline; the client gives up first.
          setTimeout(() => response.writeHead(200).end('late'), 5_000).unref();
          return;
        case '/redirect':
          response.writeHead(302, { location: '/ok' }).end();
          return;
        default:
          response.writeHead(404).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  hits.length = 0;
  dnsAnswers.clear();
});

const request = (url: string, overrides: { timeoutMs?: number; maxResponseBytes?: number } = {}) => ({
  url,
  method: 'POST' as const,
  headers: { 'content-type': 'application/json' },
  body: '{"hello":"world"}',
  timeoutMs: overrides.timeoutMs ?? 2_000,
  maxResponseBytes: overrides.maxResponseBytes ?? 64 * 1024,
});

describe('makeSafeFetch', () => {
  it('refuses a loopback URL under the AWS policy without sending anything', async () => {
    await expect(awsFetch(request(`${base}/ok`))).rejects.toBeInstanceOf(BlockedUrlError);
    const port = new URL(base).port;
    await expect(awsFetch(request(`https://127.0.0.1:${port}/ok`))).rejects.toThrow(
      'blocked: the URL must not point at a loopback address',
    );
    await expect(awsFetch(request(`https://localhost:${port}/ok`))).rejects.toThrow(/loopback/);
    await expect(awsFetch(request('https://169.254.169.254/latest/meta-data/'))).rejects.toThrow(
      /private, link-local or reserved/,
    );
    expect(hits).toEqual([]);
  });

  it('reaches 127.0.0.1 under the local policy, sending the body and headers', async () => {
    const response = await localFetch(request(`${base}/ok`));
    expect(response.status).toBe(200);
    expect(Buffer.from(response.body).toString()).toBe('fine');
    expect(response.headers['content-type']).toBe('text/plain');
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({
      path: '/ok',
      body: '{"hello":"world"}',
      headers: { 'content-type': 'application/json', 'content-length': '17' },
    });
  });

  it('checks every address a name resolves to when it connects (no DNS rebinding to private addresses)', async () => {
    // A public-looking name that answers with a private address is refused at connect time.
    dnsAnswers.set('hooks.example.com', [{ address: '10.0.0.7', family: 4 }]);
    await expect(awsFetch(request('https://hooks.example.com/x'))).rejects.toThrow(
      'hooks.example.com resolves to 10.0.0.7, which is not a public address',
    );
    // Locally, a name for the loopback address that also resolves to a private one is refused as well.
    dnsAnswers.set('localhost', [
      { address: '127.0.0.1', family: 4 },
      { address: '192.168.1.20', family: 4 },
    ]);
    const port = new URL(base).port;
    await expect(localFetch(request(`http://localhost:${port}/ok`))).rejects.toThrow(/192\.168\.1\.20/);
    expect(hits).toEqual([]);
    // A name resolving to loopback only is what the local policy lets through.
    dnsAnswers.set('localhost', [{ address: '127.0.0.1', family: 4 }]);
    expect((await localFetch(request(`http://localhost:${port}/ok`))).status).toBe(200);
  });

  it('fails a response larger than the cap', async () => {
    const error = await localFetch(request(`${base}/big`, { maxResponseBytes: 64 * 1024 })).catch((e) => e);
    expect(error).toBeInstanceOf(ResponseTooLargeError);
    expect(error.limit).toBe(64 * 1024);
    // Under the cap, the same answer is read whole.
    const whole = await localFetch(request(`${base}/big`, { maxResponseBytes: 200 * 1024 }));
    expect(whole.body.byteLength).toBe(100 * 1024);
  });

  it('gives up when the whole exchange takes longer than the timeout', async () => {
    const started = Date.now();
    await expect(localFetch(request(`${base}/slow`, { timeoutMs: 300 }))).rejects.toThrow(
      'no answer within 300 ms',
    );
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('opens a new connection for every request (no kept-alive socket to find closed after a freeze)', async () => {
    await localFetch(request(`${base}/ok`));
    await localFetch(request(`${base}/ok`));
    await localFetch({ ...request(`${base}/ok`), method: 'GET', body: undefined as never });
    expect(hits).toHaveLength(3);
    // Each from its own client socket, and each asking the server to close it afterwards.
    expect(new Set(hits.map((hit) => hit.port)).size).toBe(3);
    expect(hits.map((hit) => hit.headers.connection)).toEqual(['close', 'close', 'close']);
  });

  it('never follows a redirect: the 3xx is the answer', async () => {
    const response = await localFetch(request(`${base}/redirect`));
    expect(response.status).toBe(302);
    expect(response.headers.location).toBe('/ok');
    expect(hits.map((hit) => hit.path)).toEqual(['/redirect']);
  });
});

describe('urlPolicyFromEnv', () => {
  it('allows loopback only when the local runtime says so', () => {
    expect(urlPolicyFromEnv({})).toEqual(AWS_URL_POLICY);
    expect(urlPolicyFromEnv({ [ALLOW_LOOPBACK_ENV]: 'false' })).toEqual(AWS_URL_POLICY);
    expect(urlPolicyFromEnv({ [ALLOW_LOOPBACK_ENV]: 'true' })).toEqual({ allowLoopbackHttp: true });
  });
});

import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeSafeFetch } from '../../../functions/adapters/http/safe-fetch.ts';
import {
  newWebhookSecret,
  WEBHOOK_BACKOFF_SCALE_ENV,
  webhookBackoffScale,
} from '../../../functions/adapters/webhooks/config.ts';
import { makeWebhookTransport } from '../../../functions/adapters/webhooks/transport.ts';
import { AWS_URL_POLICY } from '../../../functions/core/net/public-address.ts';

/** Standard Webhooks signing and posting, against a receiver on 127.0.0.1 that verifies like a tenant's would. */
let server: Server;
let base: string;
let status = 200;
const received: { headers: IncomingMessage['headers']; body: string }[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      received.push({ headers: request.headers, body });
      response.writeHead(status, status === 301 ? { location: '/elsewhere' } : {}).end();
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
  received.length = 0;
  status = 200;
});

const transport = makeWebhookTransport(makeSafeFetch({ allowLoopbackHttp: true }));
const body = JSON.stringify({
  type: 'ticket.created',
  timestamp: '2026-03-02T09:00:00.000Z',
  data: { id: 'e1' },
});

describe('webhook transport', () => {
  it('posts the body with Standard Webhooks headers that verify with the secret', async () => {
    const secret = newWebhookSecret();
    const response = await transport.send({ url: `${base}/hook`, id: 'dlv_01', body, secrets: [secret] });
    expect(response).toMatchObject({ statusCode: 200, error: null });
    expect(response.durationMs).toBeGreaterThanOrEqual(0);
    const [hit] = received;
    expect(hit!.body).toBe(body);
    expect(hit!.headers).toMatchObject({
      'content-type': 'application/json',
      'webhook-id': 'dlv_01',
      'user-agent': expect.stringContaining('Deskless-Webhooks'),
    });
    expect(Number(hit!.headers['webhook-timestamp'])).toBeCloseTo(Date.now() / 1000, -1);
    expect(new Webhook(secret).verify(hit!.body, hit!.headers as Record<string, string>)).toEqual(
      JSON.parse(body),
    );
    // Another secret does not verify it; a tampered body does not either.
    expect(() =>
      new Webhook(newWebhookSecret()).verify(hit!.body, hit!.headers as Record<string, string>),
    ).toThrow(/No matching signature/);
    expect(() =>
      new Webhook(secret).verify(hit!.body.replace('e1', 'e2'), hit!.headers as Record<string, string>),
    ).toThrow(/No matching signature/);
  });

  it('signs with every secret given (a rotation), each verifying on its own', async () => {
    const [current, previous] = [newWebhookSecret(), newWebhookSecret()];
    await transport.send({ url: `${base}/hook`, id: 'dlv_02', body, secrets: [current, previous] });
    const headers = received[0]!.headers as Record<string, string>;
    expect(headers['webhook-signature']!.split(' ')).toHaveLength(2);
    for (const secret of [current, previous]) expect(new Webhook(secret).verify(body, headers)).toBeTruthy();
  });

  it('reports a non-2xx answer, a redirect and no answer as errors without throwing', async () => {
    status = 503;
    expect(
      await transport.send({ url: `${base}/hook`, id: 'a', body, secrets: [newWebhookSecret()] }),
    ).toMatchObject({
      statusCode: 503,
      error: 'HTTP 503',
    });
    status = 301;
    expect(
      await transport.send({ url: `${base}/hook`, id: 'b', body, secrets: [newWebhookSecret()] }),
    ).toMatchObject({
      statusCode: 301,
      error: 'HTTP 301: redirects are not followed',
    });
    const closed = await transport.send({
      url: 'http://127.0.0.1:1/hook',
      id: 'c',
      body,
      secrets: [newWebhookSecret()],
    });
    expect(closed).toMatchObject({ statusCode: null, error: expect.stringContaining('ECONNREFUSED') });
  });

  it('refuses a loopback URL under the AWS policy: an error, nothing sent', async () => {
    const aws = makeWebhookTransport(makeSafeFetch(AWS_URL_POLICY));
    const response = await aws.send({ url: `${base}/hook`, id: 'd', body, secrets: [newWebhookSecret()] });
    expect(response).toMatchObject({ statusCode: null, error: 'blocked: the URL must use https' });
    expect(received).toEqual([]);
  });
});

describe('webhook configuration', () => {
  it('makes Standard Webhooks secrets of 32 random bytes', () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
    expect(newWebhookSecret()).not.toBe(secret);
  });

  it('reads the backoff scale, 1 by default, refusing nonsense', () => {
    expect(webhookBackoffScale({})).toBe(1);
    expect(webhookBackoffScale({ [WEBHOOK_BACKOFF_SCALE_ENV]: '0.05' })).toBe(0.05);
    for (const bad of ['0', '-1', '2', 'fast']) {
      expect(() => webhookBackoffScale({ [WEBHOOK_BACKOFF_SCALE_ENV]: bad })).toThrow(
        WEBHOOK_BACKOFF_SCALE_ENV,
      );
    }
  });
});

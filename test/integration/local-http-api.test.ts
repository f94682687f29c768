/**
 * The local API Gateway (local/http-api.ts) with fake handlers: route matching against the real topology
 * routes, the payload 2.0 event, the authorizer's 401/403/cache behaviour and the gateway's own errors.
 */
import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../../functions/topology.ts';
import {
  type AuthorizerResult,
  type HttpApi,
  type HttpApiEvent,
  maxGatewayBodyBytes,
  routeMatcher,
  startHttpApi,
} from '../../local/http-api.ts';

const fn = { name: 'api', memoryMb: 128, timeoutSeconds: 2 };
const authorizerFn = { name: 'authorizer', memoryMb: 128, timeoutSeconds: 2 };
const adminContext = { tenantId: 'acme', role: 'admin', keyId: 'key-1', agentId: 'agent-1' };

type Reply = (event: HttpApiEvent) => unknown;

describe('local HTTP API', () => {
  let api: HttpApi;
  const events: HttpApiEvent[] = [];
  const authorizerEvents: APIGatewayRequestAuthorizerEventV2[] = [];
  let reply: Reply | undefined;

  beforeAll(async () => {
    api = await startHttpApi({
      routes,
      handlerFunction: fn,
      handler: async (event) => {
        events.push(event);
        if (reply) return reply(event) as never;
        return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{"ok":true}' };
      },
      authorizerFunction: authorizerFn,
      authorizer: async (event): Promise<AuthorizerResult> => {
        authorizerEvents.push(event);
        const header = event.headers?.authorization;
        if (header === 'Bearer explode') throw new Error('authorizer bug');
        return header?.startsWith('Bearer good')
          ? { isAuthorized: true, context: adminContext }
          : { isAuthorized: false };
      },
      authorizerCacheSeconds: 60,
    });
  });
  afterAll(async () => {
    await api?.stop();
  });
  afterEach(() => {
    events.length = 0;
    authorizerEvents.length = 0;
    reply = undefined;
  });

  const call = (path: string, init: RequestInit = {}) => fetch(`${api.url}${path}`, init);

  it('matches a route with a path parameter and passes a payload 2.0 event', async () => {
    const response = await call('/v1/tickets/42?include=timeline&tag=a&tag=b', {
      headers: { Authorization: 'Bearer good-1', 'X-Custom': 'yes', Cookie: 'a=1; b=2' },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
    expect(response.headers.get('apigw-requestid')).toBeTruthy();

    const [event] = events;
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'GET /v1/tickets/{number}',
      rawPath: '/v1/tickets/42',
      rawQueryString: 'include=timeline&tag=a&tag=b',
      pathParameters: { number: '42' },
      queryStringParameters: { include: 'timeline', tag: 'a,b' },
      cookies: ['a=1', 'b=2'],
      isBase64Encoded: false,
      requestContext: {
        routeKey: 'GET /v1/tickets/{number}',
        stage: '$default',
        http: { method: 'GET', path: '/v1/tickets/42', sourceIp: '127.0.0.1' },
        authorizer: { lambda: adminContext },
      },
    });
    expect(event?.headers['x-custom']).toBe('yes');
    expect(event?.headers.authorization).toBe('Bearer good-1');
    expect(event?.headers.cookie).toBeUndefined();
    expect(event?.body).toBeUndefined();
    expect(event?.requestContext.requestId).toBe(response.headers.get('apigw-requestid'));
    expect(typeof event?.requestContext.timeEpoch).toBe('number');
  });

  it('prefers literal routes, decodes path parameters and sends unmatched requests to $default', () => {
    const match = routeMatcher([
      ...routes,
      { method: 'GET', path: '/v1/tickets/export', roles: ['admin'] },
      { method: 'GET', path: '/files/{key+}', roles: [] },
    ]);
    expect(match('GET', '/v1/tickets/export').routeKey).toBe('GET /v1/tickets/export');
    expect(match('GET', '/v1/tickets/7')).toEqual({
      routeKey: 'GET /v1/tickets/{number}',
      pathParameters: { number: '7' },
      authorized: true,
    });
    expect(match('POST', '/v1/tickets/7/comments').routeKey).toBe('POST /v1/tickets/{number}/comments');
    expect(match('GET', '/v1/customers/a%40b.example').pathParameters).toEqual({ id: 'a@b.example' });
    expect(match('GET', '/files/a/b/c.txt').pathParameters).toEqual({ key: 'a/b/c.txt' });
    expect(match('GET', '/health')).toEqual({
      routeKey: 'GET /health',
      pathParameters: undefined,
      authorized: false,
    });
    expect(match('DELETE', '/health').routeKey).toBe('$default');
    expect(match('GET', '/v1/tickets/').routeKey).toBe('$default');
    expect(match('GET', '/v1/tickets/7/unknown').routeKey).toBe('$default');
  });

  it('calls public routes and $default without the authorizer', async () => {
    expect((await call('/health')).status).toBe(200);
    expect((await call('/no/such/route', { method: 'POST' })).status).toBe(200);
    expect(authorizerEvents).toHaveLength(0);
    expect(events.map((event) => event.routeKey)).toEqual(['GET /health', '$default']);
    expect(events[0]?.requestContext.authorizer).toBeUndefined();
    expect(events[0]?.pathParameters).toBeUndefined();
    expect(events[0]?.queryStringParameters).toBeUndefined();
  });

  it('answers 401 without calling the authorizer when Authorization is missing', async () => {
    const response = await call('/v1/tickets');
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ message: 'Unauthorized' });
    expect(authorizerEvents).toHaveLength(0);
    expect(events).toHaveLength(0);
  });

  it('answers 403 when the authorizer says no, and never calls the handler', async () => {
    const response = await call('/v1/tickets', { headers: { authorization: 'Bearer bad' } });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ message: 'Forbidden' });
    expect(authorizerEvents).toHaveLength(1);
    expect(authorizerEvents[0]).toMatchObject({
      version: '2.0',
      type: 'REQUEST',
      identitySource: ['Bearer bad'],
      routeKey: 'GET /v1/tickets',
      rawPath: '/v1/tickets',
    });
    expect(authorizerEvents[0]?.routeArn).toMatch(/^arn:aws:execute-api:.+\/\$default\/GET\/v1\/tickets$/);
    expect(events).toHaveLength(0);
  });

  it('caches the authorizer answer per Authorization header', async () => {
    await call('/v1/tickets', { headers: { authorization: 'Bearer good-cache' } });
    await call('/v1/tickets/1', { headers: { authorization: 'Bearer good-cache' } });
    await call('/v1/tickets', { headers: { authorization: 'Bearer good-other' } });
    expect(authorizerEvents.map((event) => event.identitySource[0])).toEqual([
      'Bearer good-cache',
      'Bearer good-other',
    ]);
    expect(events).toHaveLength(3);
    expect(events.every((event) => event.requestContext.authorizer?.lambda.tenantId === 'acme')).toBe(true);
  });

  it('answers 500 when the authorizer throws', async () => {
    const response = await call('/v1/tickets', { headers: { authorization: 'Bearer explode' } });
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ message: 'Internal Server Error' });
    expect(events).toHaveLength(0);
  });

  it('answers 500 like API Gateway when the handler throws or times out', async () => {
    reply = () => {
      throw new Error('boom');
    };
    let response = await call('/health');
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ message: 'Internal Server Error' });

    reply = () => new Promise((resolve) => setTimeout(() => resolve({ statusCode: 200 }), 3_000));
    response = await call('/health');
    expect(response.status).toBe(500);
  });

  it('passes JSON bodies as text and binary bodies base64-encoded', async () => {
    await call('/v1/tickets', {
      method: 'POST',
      headers: { authorization: 'Bearer good-1', 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ subject: 'Printer on fire — ünïcode' }),
    });
    expect(events[0]).toMatchObject({
      isBase64Encoded: false,
      body: '{"subject":"Printer on fire — ünïcode"}',
    });

    const bytes = Buffer.from([0, 1, 2, 250, 251, 252]);
    await call('/v1/tickets', {
      method: 'POST',
      headers: { authorization: 'Bearer good-1', 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    expect(events[1]?.isBase64Encoded).toBe(true);
    expect(Buffer.from(events[1]?.body ?? '', 'base64')).toEqual(bytes);
  });

  it('rejects bodies over 10 MB with 413 before any handler runs', async () => {
    const response = await call('/v1/tickets', {
      method: 'POST',
      headers: { authorization: 'Bearer good-1', 'content-type': 'application/json' },
      body: Buffer.alloc(maxGatewayBodyBytes + 1, 0x20),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ message: 'Request Entity Too Large' });
    expect(authorizerEvents).toHaveLength(0);
    expect(events).toHaveLength(0);
  });

  it('shapes responses: headers, cookies, base64 bodies, and bare JSON results', async () => {
    reply = () => ({
      statusCode: 201,
      headers: { 'content-type': 'application/octet-stream', 'x-count': 3 },
      cookies: ['session=abc; HttpOnly', 'theme=dark'],
      isBase64Encoded: true,
      body: Buffer.from([9, 8, 7]).toString('base64'),
    });
    let response = await call('/health');
    expect(response.status).toBe(201);
    expect(response.headers.get('x-count')).toBe('3');
    expect(response.headers.getSetCookie()).toEqual(['session=abc; HttpOnly', 'theme=dark']);
    expect(Buffer.from(await response.arrayBuffer())).toEqual(Buffer.from([9, 8, 7]));

    reply = () => ({ status: 'ok' });
    response = await call('/health');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ status: 'ok' });
  });
});

import { beforeEach, describe, expect, it } from 'vitest';
import { makeApi } from '../../../functions/http/api.ts';
import { apiEvent, type EventOptions } from '../../support/api-event.ts';
import { memoryPorts } from '../../support/in-memory-ports.ts';

const agent = { tenantId: 'acme', role: 'agent' };
const admin = { tenantId: 'acme', role: 'admin' };
const channel = { tenantId: 'acme', role: 'channel' };
const logged: unknown[] = [];
const logger = { error: (m: string, e: unknown) => logged.push([m, e]), warn: () => {} };

let api: ReturnType<typeof makeApi>;
beforeEach(() => {
  api = makeApi(memoryPorts(), logger, '0.0.0-test');
  logged.length = 0;
});

async function call(method: string, path: string, options: EventOptions = {}) {
  const result = await api(apiEvent(method, path, { auth: agent, ...options }));
  const body = result.body ? JSON.parse(result.body as string) : undefined;
  return { status: result.statusCode!, headers: result.headers ?? {}, body };
}

const ticketBody = {
  subject: 'Refund',
  comment: { body: 'Please refund order 42' },
  requester: { email: 'ann@example.com' },
};

function expectProblem(
  response: { status: number; headers: Record<string, unknown>; body: unknown },
  status: number,
  type: string,
) {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toBe('application/problem+json');
  expect(response.body).toMatchObject({
    type: `/docs#problem-${type}`,
    status,
    title: expect.any(String),
    detail: expect.any(String),
  });
}

describe('the HTTP API contract', () => {
  it('creates a ticket: 201, Location, ETag and the ticket shape', async () => {
    const response = await call('POST', '/v1/tickets', { body: ticketBody });
    expect(response.status).toBe(201);
    expect(response.headers).toMatchObject({ location: '/v1/tickets/1', etag: '"1"' });
    expect(Object.keys(response.body).sort()).toEqual(
      [
        'assignee',
        'channel',
        'closedAt',
        'createdAt',
        'customFields',
        'group',
        'links',
        'externalLinks',
        'participants',
        'mailbox',
        'conversation',
        'spam',
        'triage',
        'pinnedFields',
        'ruleBudget',
        'sla',
        'timers',
        'number',
        'priority',
        'requester',
        'solvedAt',
        'status',
        'subject',
        'tags',
        'type',
        'updatedAt',
        'version',
      ].sort(),
    );
    expect(response.body.requester).toMatchObject({ email: 'ann@example.com', phone: null, name: null });
  });

  it('replays with Idempotency-Key and refuses another body with 422', async () => {
    const headers = { 'idempotency-key': 'order-42' };
    const first = await call('POST', '/v1/tickets', { body: ticketBody, headers });
    const replay = await call('POST', '/v1/tickets', { body: { ...ticketBody }, headers });
    expect(replay.status).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(first.body);
    const other = await call('POST', '/v1/tickets', { body: { ...ticketBody, subject: 'Other' }, headers });
    expectProblem(other, 422, 'idempotency-mismatch');
  });

  it.each([
    ['malformed JSON', { rawBody: '{"subject":' }, 400, 'malformed-json'],
    ['an unknown field', { body: { ...ticketBody, colour: 'red' } }, 400, 'invalid-request'],
    ['a wrong type', { body: { ...ticketBody, priority: 7 } }, 400, 'invalid-request'],
    [
      'a missing requester identity',
      { body: { ...ticketBody, requester: { name: 'x' } } },
      400,
      'invalid-request',
    ],
    ['an empty body', { rawBody: '' }, 400, 'invalid-request'],
    ['a JSON array', { rawBody: '[]' }, 400, 'invalid-request'],
    [
      'an oversize body',
      { body: { ...ticketBody, comment: { body: 'x'.repeat(300 * 1024) } } },
      413,
      'payload-too-large',
    ],
    [
      'a form body',
      { rawBody: 'a=b', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      415,
      'unsupported-media-type',
    ],
  ] as const)('rejects %s with a 4xx problem', async (_name, options, status, type) => {
    const response = await call('POST', '/v1/tickets', options as EventOptions);
    expectProblem(response, status, type);
    expect(logged).toEqual([]);
  });

  it('names every invalid field', async () => {
    const response = await call('POST', '/v1/tickets', {
      body: { subject: '', comment: {}, requester: {}, extra: 1 },
    });
    expect(response.body.errors.map((e: { path: string }) => e.path)).toEqual(
      expect.arrayContaining(['subject', 'comment.body', 'requester', '(body)']),
    );
  });

  it('404s unknown tickets, bad numbers and unknown routes as problems', async () => {
    expectProblem(await call('GET', '/v1/tickets/999'), 404, 'not-found');
    expectProblem(await call('GET', '/v1/tickets/abc'), 400, 'invalid-request');
    expectProblem(await call('GET', '/v1/tickets/0'), 400, 'invalid-request');
    expectProblem(await call('GET', '/v1/nothing-here'), 404, 'not-found');
  });

  it('enforces roles per route', async () => {
    expectProblem(
      await call('POST', '/v1/agents', { body: { name: 'A', email: 'a@acme.test' } }),
      403,
      'forbidden',
    );
    expectProblem(await call('GET', '/v1/tickets', { auth: channel }), 403, 'forbidden');
    expectProblem(await call('POST', '/v1/tickets', { body: ticketBody, auth: null }), 401, 'unauthorized');
    expectProblem(await call('POST', '/v1/tenants', { body: { name: 'x' }, auth: admin }), 403, 'forbidden');
    expect((await call('GET', '/health', { auth: null })).status).toBe(200);
  });

  it('PATCH honours If-Match and rejects invalid transitions with the reason', async () => {
    await call('POST', '/v1/tickets', { body: ticketBody });
    const ok = await call('PATCH', '/v1/tickets/1', {
      body: { status: 'open' },
      headers: { 'if-match': '"1"' },
    });
    expect(ok).toMatchObject({ status: 200, headers: { etag: '"2"' } });
    expectProblem(
      await call('PATCH', '/v1/tickets/1', { body: { priority: 'low' }, headers: { 'if-match': '"1"' } }),
      412,
      'version-mismatch',
    );
    expectProblem(
      await call('PATCH', '/v1/tickets/1', {
        body: { priority: 'low' },
        headers: { 'if-match': 'yesterday' },
      }),
      400,
      'invalid-request',
    );
    const back = await call('PATCH', '/v1/tickets/1', { body: { status: 'new' } });
    expectProblem(back, 422, 'invalid-transition');
    expect(back.body.detail).toMatch(/never goes back to new/);
    expectProblem(await call('PATCH', '/v1/tickets/1', { body: {} }), 400, 'invalid-request');
  });

  it('comments, then shows them on the timeline oldest first', async () => {
    await call('POST', '/v1/tickets', { body: ticketBody });
    const comment = await call('POST', '/v1/tickets/1/comments', {
      body: { body: 'Looking into it', public: false },
    });
    expect(comment.status).toBe(201);
    expect(comment.body.comment).toMatchObject({
      type: 'comment',
      data: { body: 'Looking into it', public: false },
    });
    const timeline = await call('GET', '/v1/tickets/1/timeline?limit=2');
    expect(timeline.body.items.map((e: { type: string }) => e.type)).toEqual(['created', 'comment']);
    const rest = await call('GET', `/v1/tickets/1/timeline?cursor=${timeline.body.nextCursor}`);
    expect(rest.body.items.map((e: { type: string }) => e.type)).toEqual(['comment']);
  });

  it('rejects unknown query parameters and bad limits', async () => {
    expectProblem(await call('GET', '/v1/tickets?colour=red'), 400, 'invalid-request');
    expectProblem(await call('GET', '/v1/tickets?limit=1000'), 400, 'invalid-request');
    expectProblem(await call('GET', '/v1/tickets?status=lost'), 400, 'invalid-request');
  });

  it('lets the operator create a tenant whose admin key is returned once', async () => {
    const response = await call('POST', '/v1/tenants', {
      body: { id: 'globex', name: 'Globex' },
      auth: { tenantId: '', role: 'operator' },
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      tenant: { id: 'globex', name: 'Globex' },
      apiKey: { role: 'admin', secret: expect.any(String) },
    });
    const again = await call('POST', '/v1/tenants', {
      body: { id: 'globex', name: 'Globex' },
      auth: { tenantId: '', role: 'operator' },
    });
    expectProblem(again, 409, 'conflict');
  });

  it('registers support addresses once, refuses plus-tags, and answers a malformed path with a 4xx', async () => {
    const create = (address: string) => call('POST', '/v1/mailboxes', { body: { address }, auth: admin });
    expect((await create('Support@Acme.test')).body).toMatchObject({ address: 'support@acme.test' });
    expectProblem(await create('support@acme.test'), 409, 'conflict');
    expectProblem(await create('support+7@acme.test'), 422, 'validation');
    expect(
      (await call('GET', '/v1/mailboxes')).body.items.map((m: { address: string }) => m.address),
    ).toEqual(['support@acme.test']);
    expectProblem(await call('DELETE', '/v1/mailboxes/%E0%A4%A', { auth: admin }), 404, 'not-found');
    expectProblem(
      await call('DELETE', '/v1/mailboxes/nobody%40acme.test', { auth: admin }),
      404,
      'not-found',
    );
    expect((await call('DELETE', '/v1/mailboxes/support%40acme.test', { auth: admin })).status).toBe(204);
  });

  it('serves the OpenAPI document and the docs page', async () => {
    const doc = await call('GET', '/v1/openapi.json', { auth: null });
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths)).toContain('/v1/tickets/{number}');
    const page = await api(apiEvent('GET', '/docs', { auth: null }));
    expect(page.headers?.['content-type']).toMatch(/text\/html/);
    expect(page.body).toContain('/v1/openapi.json');
  });

  it('turns an unexpected failure into a logged 500 problem', async () => {
    const broken = makeApi(
      { ...memoryPorts(), tickets: { get: () => Promise.reject(new Error('disk on fire')) } as never },
      logger,
      'x',
    );
    const response = await broken(apiEvent('GET', '/v1/tickets/1', { auth: agent }));
    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body as string).detail).not.toMatch(/disk on fire/);
    expect(logged).toHaveLength(1);
  });
});

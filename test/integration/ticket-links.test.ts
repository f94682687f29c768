import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_EXTERNAL_LINKS } from '../../functions/core/external-links.ts';
import { callApi as call } from '../support/api-call.ts';

/**
 * `POST /v1/tickets/{number}/links` through the real authorizer and api handlers on DynamoDB Local: what an
 * engineering-tracker integration calls with a channel key after opening an issue for a ticket.
 */
const operatorKey = process.env.DESKLESS_OPERATOR_API_KEY!;
const tenantId = `links-${Date.now().toString(36)}`;

let admin: string;
let channel: string;
let channelKeyId: string;
let agentKey: string;
let otherAdmin: string;

async function newTicket(tags: string[] = ['engineering']): Promise<number> {
  const created = await call('POST', '/v1/tickets', admin, {
    body: {
      subject: 'Login fails with a 500',
      comment: { body: 'Since this morning' },
      requester: { email: 'ann@example.com' },
      tags,
    },
  });
  expect(created.status).toBe(201);
  return created.body.number;
}

beforeAll(async () => {
  const created = await call('POST', '/v1/tenants', operatorKey, { body: { id: tenantId, name: 'Links' } });
  expect(created.status).toBe(201);
  admin = created.body.apiKey.secret;
  const key = await call('POST', '/v1/api-keys', admin, { body: { name: 'GitHub', role: 'channel' } });
  expect(key.status).toBe(201);
  channel = key.body.secret;
  channelKeyId = key.body.id;
  agentKey = (await call('POST', '/v1/api-keys', admin, { body: { name: 'Bo', role: 'agent' } })).body.secret;
  const other = await call('POST', '/v1/tenants', operatorKey, {
    body: { id: `${tenantId}-b`, name: 'Other' },
  });
  otherAdmin = other.body.apiKey.secret;
});

describe('ticket links on DynamoDB Local', () => {
  it('links a ticket with a channel key: 201, on the ticket and its timeline', async () => {
    const n = await newTicket();
    const added = await call('POST', `/v1/tickets/${n}/links`, channel, {
      body: {
        url: 'https://github.com/acme/api/issues/17',
        title: 'Login fails with a 500',
        externalId: 'acme/api#17',
      },
    });
    expect(added.status).toBe(201);
    const link = {
      url: 'https://github.com/acme/api/issues/17',
      title: 'Login fails with a 500',
      system: 'github',
      externalId: 'acme/api#17',
      addedAt: expect.any(String),
      addedBy: { type: 'system', id: channelKeyId },
    };
    expect(added.body.link).toEqual(link);
    expect(added.body.ticket).toMatchObject({ number: n, version: 2, externalLinks: [link] });
    expect(added.body.ticket).not.toHaveProperty('tenantId');
    expect(added.headers.etag).toBe('"2"');

    const read = await call('GET', `/v1/tickets/${n}`, admin);
    expect(read.body.externalLinks).toEqual([link]);

    const timeline = await call('GET', `/v1/tickets/${n}/timeline`, admin);
    const events = timeline.body.items as { type: string; actor: unknown; data: Record<string, unknown> }[];
    // The created event carries the tags the ticket was opened with: what the tracker rules match.
    expect(events[0]).toMatchObject({ type: 'created', data: { tags: ['engineering'] } });
    expect(events.at(-1)).toEqual({
      id: expect.any(String),
      type: 'external_link_added',
      at: added.body.link.addedAt,
      actor: { type: 'system', id: channelKeyId },
      data: {
        url: 'https://github.com/acme/api/issues/17',
        title: 'Login fails with a 500',
        system: 'github',
        externalId: 'acme/api#17',
      },
    });
  });

  it('is idempotent by URL: the same link again is a 200 that writes nothing', async () => {
    const n = await newTicket();
    const first = await call('POST', `/v1/tickets/${n}/links`, channel, {
      body: { url: 'https://acme.atlassian.net/browse/ENG-42', externalId: 'ENG-42' },
    });
    expect(first.status).toBe(201);
    expect(first.body.link.system).toBe('jira');
    const again = await call('POST', `/v1/tickets/${n}/links`, agentKey, {
      body: { url: 'https://ACME.atlassian.net:443/browse/ENG-42', title: 'retried', system: 'other' },
    });
    expect(again.status).toBe(200);
    expect(again.body.link).toEqual(first.body.link);
    expect(again.body.ticket.version).toBe(first.body.ticket.version);
    const timeline = await call('GET', `/v1/tickets/${n}/timeline`, admin);
    const linkEvents = timeline.body.items.filter((e: { type: string }) => e.type === 'external_link_added');
    expect(linkEvents).toHaveLength(1);
  });

  it('keeps one link when the same URL arrives twice at once', async () => {
    const n = await newTicket();
    const body = { url: 'https://linear.app/acme/issue/ENG-7' };
    const results = await Promise.all([
      call('POST', `/v1/tickets/${n}/links`, channel, { body }),
      call('POST', `/v1/tickets/${n}/links`, channel, { body }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 201]);
    const read = await call('GET', `/v1/tickets/${n}`, admin);
    expect(read.body.externalLinks).toHaveLength(1);
    expect(read.body.version).toBe(2);
  });

  it('refuses URLs that are not public https with a 400 naming the reason', async () => {
    const n = await newTicket();
    for (const [url, reason] of [
      ['http://github.com/acme/api/issues/1', 'must use https'],
      ['https://10.1.2.3/issue/1', 'must not point at a private, link-local or reserved address'],
      [
        'https://169.254.169.254/latest/meta-data/',
        'must not point at a private, link-local or reserved address',
      ],
      ['https://bot:token@example.com/issue/1', 'must not carry credentials'],
      ['https://localhost/issue/1', 'must not point at a loopback address'],
      ['ftp://example.com/issue', 'must use https'],
    ]) {
      const refused = await call('POST', `/v1/tickets/${n}/links`, channel, { body: { url } });
      expect(refused.status, url).toBe(400);
      expect(refused.headers['content-type']).toBe('application/problem+json');
      expect(refused.body.errors).toEqual([{ path: 'url', message: reason }]);
    }
    const bad = await call('POST', `/v1/tickets/${n}/links`, channel, {
      body: { url: 'https://example.com/1', system: 'bugzilla', color: 'red' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['(body)', 'system']);
    const read = await call('GET', `/v1/tickets/${n}`, admin);
    expect(read.body).toMatchObject({ version: 1, externalLinks: [] });
  });

  it(`holds at most ${MAX_EXTERNAL_LINKS} links: the next new one is a 422`, async () => {
    const n = await newTicket();
    for (let i = 0; i < MAX_EXTERNAL_LINKS; i++) {
      const added = await call('POST', `/v1/tickets/${n}/links`, agentKey, {
        body: { url: `https://status.example.com/incidents/${i}` },
      });
      expect(added.status).toBe(201);
    }
    const full = await call('POST', `/v1/tickets/${n}/links`, channel, {
      body: { url: 'https://status.example.com/incidents/x' },
    });
    expect(full.status).toBe(422);
    expect(full.body.type).toBe('/docs#problem-validation');
    const known = await call('POST', `/v1/tickets/${n}/links`, channel, {
      body: { url: 'https://status.example.com/incidents/3' },
    });
    expect(known.status).toBe(200);
  });

  it('answers 404 for a ticket the key’s tenant does not have, and keeps other keys out', async () => {
    const n = await newTicket();
    const missing = await call('POST', '/v1/tickets/999999/links', channel, {
      body: { url: 'https://github.com/acme/api/issues/1' },
    });
    expect(missing.status).toBe(404);
    const elsewhere = await call('POST', `/v1/tickets/${n}/links`, otherAdmin, {
      body: { url: 'https://github.com/acme/api/issues/1' },
    });
    expect(elsewhere.status).toBe(404);
    const operator = await call('POST', `/v1/tickets/${n}/links`, operatorKey, {
      body: { url: 'https://github.com/acme/api/issues/1' },
    });
    expect(operator.status).toBe(403);
    const anonymous = await call('POST', `/v1/tickets/${n}/links`, null, {
      body: { url: 'https://github.com/acme/api/issues/1' },
    });
    expect(anonymous.status).toBe(401);
  });

  it('links closed tickets too, leaving them closed', async () => {
    const n = await newTicket([]);
    await call('PATCH', `/v1/tickets/${n}`, admin, { body: { status: 'solved' } });
    await call('PATCH', `/v1/tickets/${n}`, admin, { body: { status: 'closed' } });
    const added = await call('POST', `/v1/tickets/${n}/links`, channel, {
      body: { url: 'https://github.com/acme/api/issues/99' },
    });
    expect(added.status).toBe(201);
    expect(added.body.ticket).toMatchObject({ status: 'closed', externalLinks: [{ system: 'github' }] });
  });
});

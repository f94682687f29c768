import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiEvent, ApiResult } from '../../functions/http/request.ts';
import { apiEvent, type EventOptions } from '../support/api-event.ts';
import type { Json } from '../support/http-client.ts';
import { lambdaContext } from '../support/lambda-context.ts';

/**
 * Inbound channels through the real `authorizer` and `api` handlers against DynamoDB Local and the local S3:
 * channel administration, the signed webhook route (threading, replays, follow-ups, attachments from a local
 * HTTP server) and the web form (honeypot, per-IP rate limit).
 */
type Handler = (event: unknown, context?: unknown) => Promise<unknown>;
let api: Handler;
let authorize: Handler;
let files: Server;
let filesUrl: string;
const commands = new Set<string>();

const tenantId = `chan-${Date.now().toString(36)}`;
let admin: string;
let agentKey: string;

interface Reply {
  status: number;
  headers: Record<string, string>;
  text: string;
  body: Json;
}

async function call(
  method: string,
  path: string,
  key: string | null,
  options: EventOptions & { sourceIp?: string; base64?: boolean } = {},
): Promise<Reply> {
  let auth: EventOptions['auth'] = null;
  if (key !== null) {
    const verdict = (await authorize({
      type: 'REQUEST',
      routeArn: 'arn',
      identitySource: [`Bearer ${key}`],
      headers: { authorization: `Bearer ${key}` },
    })) as { isAuthorized: boolean; context: never };
    if (!verdict.isAuthorized) return { status: 403, headers: {}, text: '', body: undefined };
    auth = verdict.context;
  }
  const event: ApiEvent = apiEvent(method, path, { ...options, auth });
  event.headers = { host: 'desk.example.test', 'x-forwarded-proto': 'https', ...event.headers };
  if (options.sourceIp) event.requestContext.http.sourceIp = options.sourceIp;
  if (options.base64) event.isBase64Encoded = true;
  const result = (await api(event, lambdaContext('api'))) as ApiResult & { statusCode: number };
  const headers = (result.headers ?? {}) as Record<string, string>;
  const text = String(result.body ?? '');
  const json = /json/.test(headers['content-type'] ?? '');
  return { status: result.statusCode, headers, text, body: json && text ? JSON.parse(text) : undefined };
}

function signed(secret: string, body: unknown, options: { id?: string; at?: number } = {}) {
  const raw = JSON.stringify(body);
  const id = options.id ?? `msg_${Math.random().toString(36).slice(2)}`;
  const at = new Date(options.at ?? Date.now());
  return {
    rawBody: raw,
    headers: {
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign(id, at, raw),
    },
  };
}

beforeAll(async () => {
  files = createServer((request, response) => {
    if (request.url === '/receipt.png') {
      response.writeHead(200, { 'content-type': 'image/png' });
      response.end(Buffer.from([0x89, 0x50, 0x4e, 0x47, 9, 9, 9]));
      return;
    }
    if (request.url === '/slow') return; // never answers: the 8 s deadline gives up on it
    response.writeHead(404);
    response.end();
  });
  await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
  filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
  // Before the handlers load: they read their configuration once, at import, as a cold start does.
  process.env.DESKLESS_ALLOW_LOOPBACK_URLS = 'true';
  const client = await import('../../functions/adapters/dynamodb/client.ts');
  client.documentClient.middlewareStack.add(
    (next, context) => async (args) => {
      commands.add(String(context.commandName));
      return next(args);
    },
    { step: 'initialize', name: 'recordChannelCommands' },
  );
  api = (await import('../../functions/handlers/api.ts')).handler as Handler;
  authorize = (await import('../../functions/handlers/authorizer.ts')).handler as Handler;

  const created = await call('POST', '/v1/tenants', process.env.DESKLESS_OPERATOR_API_KEY!, {
    body: { id: tenantId, name: 'Channels test' },
  });
  expect(created.status).toBe(201);
  admin = created.body.apiKey.secret;
  agentKey = (await call('POST', '/v1/api-keys', admin, { body: { name: 'agent', role: 'agent' } })).body
    .secret;
});

afterAll(async () => {
  await new Promise((resolve) => files?.close(resolve));
  // No request path may scan the table (DESIGN.md rule 5).
  expect([...commands].filter((c) => /Scan/.test(c))).toEqual([]);
});

describe('channel administration', () => {
  it('creates, reads, changes, rotates and deletes a channel; the secret is shown only when made', async () => {
    const group = await call('POST', '/v1/groups', admin, { body: { name: 'Shop' } });
    const created = await call('POST', '/v1/channels', admin, {
      body: { type: 'webhook', name: 'Shop', group: group.body.id, tags: ['shop'] },
    });
    expect(created.status).toBe(201);
    const id: string = created.body.id;
    expect(id).toMatch(/^ch_/);
    expect(created.body).toMatchObject({
      type: 'webhook',
      url: `https://desk.example.test/v1/channels/${id}/messages`,
      group: group.body.id,
      tags: ['shop'],
      signingSecrets: [{ expiresAt: null }],
      version: 1,
    });
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/);
    expect(created.headers.location).toBe(`/v1/channels/${id}`);

    const read = await call('GET', `/v1/channels/${id}`, admin);
    expect(read.status).toBe(200);
    expect(read.text).not.toContain(created.body.secret);
    expect(read.body.secret).toBeUndefined();
    const listed = await call('GET', '/v1/channels', admin);
    expect(listed.body.items.map((c: { id: string }) => c.id)).toContain(id);
    expect(listed.text).not.toContain('whsec_');

    const patched = await call('PATCH', `/v1/channels/${id}`, admin, {
      body: { name: 'Shop API', tags: [] },
    });
    expect(patched.body).toMatchObject({ name: 'Shop API', tags: [], version: 2 });

    const rotated = await call('POST', `/v1/channels/${id}:rotate-secret`, admin);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(created.body.secret);
    expect(rotated.body.signingSecrets).toHaveLength(2);
    expect(rotated.body.signingSecrets[0].expiresAt).toBeNull();
    const graceHours =
      (Date.parse(rotated.body.signingSecrets[1].expiresAt) - Date.parse(rotated.body.updatedAt)) / 3_600_000;
    expect(graceHours).toBe(24);
    expect((await call('POST', `/v1/channels/${id}:nope`, admin)).status).toBe(404);
    // Another tenant's admin cannot see, change or delete it.
    const other = await call('POST', '/v1/tenants', process.env.DESKLESS_OPERATOR_API_KEY!, {
      body: { id: `${tenantId}-other`, name: 'Other' },
    });
    const otherAdmin = other.body.apiKey.secret;
    expect((await call('GET', `/v1/channels/${id}`, otherAdmin)).status).toBe(404);
    expect((await call('PATCH', `/v1/channels/${id}`, otherAdmin, { body: { name: 'x' } })).status).toBe(404);
    expect((await call('DELETE', `/v1/channels/${id}`, otherAdmin)).status).toBe(404);
    expect((await call('GET', '/v1/channels', otherAdmin)).body.items).toEqual([]);

    expect((await call('DELETE', `/v1/channels/${id}`, admin)).status).toBe(204);
    expect((await call('GET', `/v1/channels/${id}`, admin)).status).toBe(404);
    const gone = await call('POST', `/v1/channels/${id}/messages`, null, signed(rotated.body.secret, {}));
    expect(gone.status).toBe(404);
  });

  it('validates type-specific settings, and only admins manage channels', async () => {
    const noTwilio = await call('POST', '/v1/channels', admin, { body: { type: 'sms_twilio', name: 'SMS' } });
    expect(noTwilio.status).toBe(422);
    expect(noTwilio.body.errors).toEqual([
      { path: 'twilio', message: expect.stringContaining('Twilio settings') },
    ]);
    const wrong = await call('POST', '/v1/channels', admin, {
      body: { type: 'webhook', name: 'X', webForm: { perIpPerHour: 5 } },
    });
    expect(wrong.status).toBe(422);
    const badSid = await call('POST', '/v1/channels', admin, {
      body: {
        type: 'sms_twilio',
        name: 'SMS',
        twilio: { accountSid: 'nope', fromNumber: '+14155550100', authTokenSecret: 'x' },
      },
    });
    expect(badSid.status).toBe(400);
    expect(badSid.body.errors[0].path).toBe('twilio.accountSid');
    const sms = await call('POST', '/v1/channels', admin, {
      body: {
        type: 'sms_twilio',
        name: 'SMS',
        twilio: {
          accountSid: `AC${'a'.repeat(32)}`,
          fromNumber: '+14155550100',
          authTokenSecret: `deskless/twilio/${tenantId}/main`,
        },
      },
    });
    expect(sms.body.url).toBe(`https://desk.example.test/v1/channels/${sms.body.id}/twilio`);
    expect((await call('POST', '/v1/channels', admin, { body: { type: 'fax', name: 'X' } })).status).toBe(
      400,
    );
    const noGroup = await call('POST', '/v1/channels', admin, {
      body: { type: 'webhook', name: 'X', group: 'grp_missing' },
    });
    expect(noGroup.status).toBe(422);
    expect(noGroup.body.errors).toEqual([{ path: 'group', message: 'grp_missing does not exist' }]);
    expect((await call('GET', '/v1/channels', agentKey)).status).toBe(403);
    expect(
      (await call('POST', '/v1/channels', agentKey, { body: { type: 'webhook', name: 'X' } })).status,
    ).toBe(403);
  });
});

describe('the signed webhook route', () => {
  let id: string;
  let secret: string;
  beforeAll(async () => {
    const created = await call('POST', '/v1/channels', admin, { body: { type: 'webhook', name: 'Shop' } });
    id = created.body.id;
    secret = created.body.secret;
  });
  const message = (conversationId: string, text: string, extra: object = {}) => ({
    conversationId,
    from: { email: 'ann@example.com', name: 'Ann', id: 'u-1' },
    text,
    ...extra,
  });
  const post = (body: unknown, options: { id?: string; at?: number; secret?: string } = {}) =>
    call('POST', `/v1/channels/${id}/messages`, null, signed(options.secret ?? secret, body, options));

  it('creates a ticket once per delivery and threads a conversation onto it', async () => {
    const first = await post(message('conv-a', 'Where is my parcel?'), { id: 'msg_a1' });
    expect(first.status).toBe(202);
    expect(first.body.outcome).toBe('created');
    const ticket = first.body.ticket;
    const replay = await post(message('conv-a', 'Where is my parcel?'), { id: 'msg_a1' });
    expect(replay).toMatchObject({ status: 202, body: { ticket, outcome: 'duplicate' } });
    const second = await post(message('conv-a', 'Still waiting'), { id: 'msg_a2' });
    expect(second.body).toEqual({ ticket, outcome: 'commented' });

    const read = await call('GET', `/v1/tickets/${ticket}`, admin);
    expect(read.body).toMatchObject({
      channel: 'webhook',
      subject: 'Where is my parcel?',
      conversation: { channelId: id, channelType: 'webhook', conversationId: 'conv-a' },
      requester: { email: 'ann@example.com' },
    });
    const timeline = await call('GET', `/v1/tickets/${ticket}/timeline`, admin);
    const comments = timeline.body.items.filter((e: { type: string }) => e.type === 'comment');
    expect(comments.map((c: { data: { body: string } }) => c.data.body)).toEqual([
      'Where is my parcel?',
      'Still waiting',
    ]);
  });

  it('opens a follow-up after the ticket is closed, and threads later messages onto it', async () => {
    const first = await post(message('conv-b', 'Broken zipper'));
    const ticket = first.body.ticket;
    await call('PATCH', `/v1/tickets/${ticket}`, admin, { body: { status: 'solved' } });
    await call('PATCH', `/v1/tickets/${ticket}`, admin, { body: { status: 'closed' } });
    const again = await post(message('conv-b', 'The new one broke too'));
    expect(again.body.outcome).toBe('follow_up');
    expect(again.body.ticket).not.toBe(ticket);
    const followUp = await call('GET', `/v1/tickets/${again.body.ticket}`, admin);
    expect(followUp.body.links).toEqual([{ kind: 'follow_up_of', number: ticket }]);
    expect((await post(message('conv-b', 'Any news?'))).body).toEqual({
      ticket: again.body.ticket,
      outcome: 'commented',
    });
  });

  it('takes concurrent first messages of one conversation onto one ticket', async () => {
    const results = await Promise.all(
      ['one', 'two', 'three'].map((text) => post(message('conv-race', text))),
    );
    expect(results.map((r) => r.status)).toEqual([202, 202, 202]);
    expect(new Set(results.map((r) => r.body.ticket)).size).toBe(1);
    expect(results.map((r) => r.body.outcome).sort()).toEqual(['commented', 'commented', 'created']);
  });

  it('refuses bad signatures, stale or future timestamps and malformed bodies with clear 4xx', async () => {
    const forged = await post(message('conv-c', 'hi'), {
      secret: `whsec_${Buffer.alloc(32, 7).toString('base64')}`,
    });
    expect(forged.status).toBe(401);
    expect(forged.headers['content-type']).toBe('application/problem+json');
    expect(forged.body).toMatchObject({ type: '/docs#problem-invalid-signature', status: 401 });
    const unsigned = await call('POST', `/v1/channels/${id}/messages`, null, {
      body: message('conv-c', 'hi'),
    });
    expect(unsigned.status).toBe(401);
    expect(unsigned.body.detail).toContain(
      'missing header(s): webhook-id, webhook-timestamp, webhook-signature',
    );
    const stale = await post(message('conv-c', 'hi'), { at: Date.now() - 10 * 60_000 });
    expect(stale.status).toBe(401);
    expect(stale.body.detail).toMatch(/s old/);
    const future = await post(message('conv-c', 'hi'), { at: Date.now() + 10 * 60_000 });
    expect(future.body.detail).toMatch(/in the future/);
    // A body changed after signing.
    const tampered = signed(secret, message('conv-c', 'hi'));
    const changed = await call('POST', `/v1/channels/${id}/messages`, null, {
      ...tampered,
      rawBody: tampered.rawBody.replace('hi', 'ho'),
    });
    expect(changed.status).toBe(401);

    const malformed = await post({ conversationId: '', from: { name: 'No contact' }, text: 'x', extra: 1 });
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors.map((e: { path: string }) => e.path).sort()).toEqual([
      '(body)',
      'conversationId',
      'from',
    ]);
    const notJson = await call('POST', `/v1/channels/${id}/messages`, null, {
      ...signed(secret, {}),
      rawBody: 'not json',
      headers: signed(secret, {}).headers,
    });
    expect(notJson.status).toBe(401); // the signature covers the raw body, so it is checked first
    const raw = 'not json';
    const at = new Date();
    const signedRaw = await call('POST', `/v1/channels/${id}/messages`, null, {
      rawBody: raw,
      headers: {
        'webhook-id': 'msg_raw',
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': new Webhook(secret).sign('msg_raw', at, raw),
      },
    });
    expect(signedRaw.status).toBe(400);
    expect(signedRaw.body.type).toBe('/docs#problem-malformed-json');
    expect(
      (await call('GET', '/v1/tickets?limit=100', admin)).body.items.some(
        (t: { conversation: { conversationId: string } | null }) =>
          t.conversation?.conversationId === 'conv-c',
      ),
    ).toBe(false);
  });

  it('answers 404 for an unknown channel and 409 for channels of another type', async () => {
    expect((await call('POST', '/v1/channels/ch_nope/messages', null, signed(secret, {}))).status).toBe(404);
    const form = await call('POST', '/v1/channels', admin, { body: { type: 'web_form', name: 'Form' } });
    const wrongType = await call(
      'POST',
      `/v1/channels/${form.body.id}/messages`,
      null,
      signed(form.body.secret, {}),
    );
    expect(wrongType.status).toBe(409);
    expect(wrongType.body.detail).toContain(`/v1/forms/${form.body.id}`);
    const chat = await call('POST', '/v1/channels', admin, { body: { type: 'chat', name: 'Chat' } });
    const chatMessage = await call(
      'POST',
      `/v1/channels/${chat.body.id}/messages`,
      null,
      signed(chat.body.secret, message('c', 'hello')),
    );
    expect([202, 409]).toContain(chatMessage.status);
  });

  it('verifies the signature over the body bytes as they arrived, then refuses bytes that are not UTF-8', async () => {
    const at = Math.floor(Date.now() / 1000);
    const sign = (msgId: string, bytes: Buffer) => {
      const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
      const mac = createHmac('sha256', key).update(Buffer.concat([Buffer.from(`${msgId}.${at}.`), bytes]));
      return {
        'webhook-id': msgId,
        'webhook-timestamp': String(at),
        'webhook-signature': `v1,${mac.digest('base64')}`,
      };
    };
    const send = (bytes: Buffer, headers: Record<string, string>) =>
      call('POST', `/v1/channels/${id}/messages`, null, {
        rawBody: bytes.toString('base64'),
        base64: true,
        headers,
      });
    const prefix = '{"conversationId":"conv-bytes","from":{"email":"ann@example.com"},"text":"caf';
    // Latin-1 "é" (0xe9): not UTF-8.
    const latin1 = Buffer.concat([Buffer.from(prefix), Buffer.from([0xe9]), Buffer.from('"}')]);
    const notUtf8 = await send(latin1, sign('msg_bytes1', latin1));
    expect(notUtf8.status).toBe(400);
    expect(notUtf8.body.detail).toBe('the body is not UTF-8');
    // Signed over the text a lenient decoder makes of those bytes (U+FFFD): not what arrived, so not verified.
    const replaced = Buffer.from(latin1.toString('utf8'));
    expect((await send(latin1, sign('msg_bytes2', replaced))).status).toBe(401);
    // The same message in UTF-8, base64-encoded by API Gateway: taken in.
    const utf8 = Buffer.from(`${prefix}é"}`);
    const ok = await send(utf8, sign('msg_bytes3', utf8));
    expect(ok).toMatchObject({ status: 202, body: { outcome: 'created' } });
    const timeline = await call('GET', `/v1/tickets/${ok.body.ticket}/timeline`, admin);
    expect(timeline.body.items.find((e: { type: string }) => e.type === 'comment').data.body).toBe('café');
  });

  it('keeps delivery ids apart from email Message-IDs: a mail item with the same id claims nothing', async () => {
    const { channelCrypto } = await import('../../functions/adapters/channels/channel-crypto.ts');
    const client = await import('../../functions/adapters/dynamodb/client.ts');
    const { DynamoDbMessageStore } = await import('../../functions/adapters/dynamodb/message-store.ts');
    const { deliveryKey } = await import('../../functions/core/use-cases/channel-intake.ts');
    const messages = new DynamoDbMessageStore(client.documentClient, client.tableNamesFromEnv());
    // A mail's Message-ID item (as a sent or received mail writes it) equal to the next delivery's key.
    const key = deliveryKey(channelCrypto, id, 'msg_ns1');
    await messages.recordOutbound(tenantId, 999_999, [key], new Date().toISOString());
    const first = await post(message('conv-ns', 'Not a duplicate'), { id: 'msg_ns1' });
    expect(first).toMatchObject({ status: 202, body: { outcome: 'created' } });
    expect(first.body.ticket).not.toBe(999_999);
    // The delivery is recorded in its own key space: mail threading (In-Reply-To, References) cannot see it.
    expect(await messages.ticketsFor(tenantId, [key], { namespace: 'channel' })).toEqual(
      new Map([[key, first.body.ticket]]),
    );
    const other = deliveryKey(channelCrypto, id, 'msg_ns2');
    await post(message('conv-ns2', 'Another'), { id: 'msg_ns2' });
    expect(await messages.ticketsFor(tenantId, [other])).toEqual(new Map());
    const replay = await post(message('conv-ns', 'Not a duplicate'), { id: 'msg_ns1' });
    expect(replay.body).toEqual({ ticket: first.body.ticket, outcome: 'duplicate' });
  });

  it('keeps a linked attachment in the mail bucket and notes the ones it could not keep', async () => {
    const started = Date.now();
    const result = await post(
      message('conv-files', 'See attached', {
        attachments: [
          { url: `${filesUrl}/receipt.png` },
          { url: `${filesUrl}/missing.pdf` },
          { url: `${filesUrl}/slow`, filename: 'slow.pdf' },
          { url: 'https://169.254.169.254/latest/meta-data/', filename: 'metadata.txt' },
        ],
      }),
    );
    expect(result.status).toBe(202);
    expect(Date.now() - started).toBeLessThan(12_000);
    const timeline = await call('GET', `/v1/tickets/${result.body.ticket}/timeline`, admin);
    const comments = timeline.body.items.filter((e: { type: string }) => e.type === 'comment');
    const [message_, note] = comments;
    const [kept, ...dropped] = message_.data.attachments;
    expect(kept).toMatchObject({ filename: 'receipt.png', contentType: 'image/png', size: 7 });
    expect(dropped.map((a: { key: string | null }) => a.key)).toEqual([null, null, null]);
    expect(note.data.public).toBe(false);
    expect(note.data.body).toContain('missing.pdf');
    expect(note.data.body).toContain('404');
    expect(note.data.body).toContain('slow.pdf');
    expect(note.data.body).toMatch(
      /metadata\.txt.*must not point at a private, link-local or reserved address/,
    );
    const s3 = new S3Client({});
    const object = await s3.send(new GetObjectCommand({ Bucket: process.env.MAIL_BUCKET!, Key: kept.key }));
    expect([...(await object.Body!.transformToByteArray())]).toEqual([0x89, 0x50, 0x4e, 0x47, 9, 9, 9]);
    expect(kept.key).toMatch(new RegExp(`^attachments/${tenantId}/${id}/`));
  }, 20_000);
});

describe('the web form', () => {
  let id: string;
  beforeAll(async () => {
    const created = await call('POST', '/v1/channels', admin, {
      body: { type: 'web_form', name: 'Contact <Acme>', webForm: { perIpPerHour: 2 }, tags: ['web'] },
    });
    id = created.body.id;
    expect(created.body.url).toBe(`https://desk.example.test/v1/forms/${id}`);
  });
  const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
  const formHeaders = { 'content-type': 'application/x-www-form-urlencoded' };

  it('serves an accessible, self-contained HTML form that posts to itself', async () => {
    const page = await call('GET', `/v1/forms/${id}`, null);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.text).toContain(`action="https://desk.example.test/v1/forms/${id}"`);
    expect(page.text).toContain('<h1>Contact &lt;Acme&gt;</h1>');
    for (const field of ['name', 'email', 'subject', 'message']) {
      expect(page.text).toContain(`<label for="${field}">`);
    }
    expect(page.text).toMatch(
      /<div class="trap" aria-hidden="true">[\s\S]*name="website"[\s\S]*tabindex="-1"/,
    );
    expect(page.text).not.toMatch(/<script|src=/);
    expect((await call('GET', '/v1/forms/ch_nope', null)).status).toBe(404);
  });

  it('makes a ticket of a browser post and of JSON; a honeypot post stores nothing; then 429', async () => {
    const ip = '203.0.113.77';
    const browser = await call('POST', `/v1/forms/${id}`, null, {
      rawBody: form({
        name: '',
        email: 'carol@example.com',
        subject: '',
        message: 'Do you ship to Spain?',
        website: '',
      }),
      headers: formHeaders,
      sourceIp: ip,
    });
    expect(browser.status).toBe(202);
    expect(browser.headers['content-type']).toBe('text/html; charset=utf-8');
    const honeypot = await call('POST', `/v1/forms/${id}`, null, {
      rawBody: form({ email: 'bot@example.com', message: 'cheap pills', website: 'http://pills.test' }),
      headers: formHeaders,
      sourceIp: ip,
    });
    expect(honeypot.status).toBe(202);
    expect(honeypot.text).toBe(browser.text);
    const viaJson = await call('POST', `/v1/forms/${id}`, null, {
      body: { email: 'dan@example.com', message: 'Hello', subject: 'Opening hours' },
      sourceIp: ip,
    });
    expect(viaJson).toMatchObject({ status: 202, body: { status: 'received' } });
    const limited = await call('POST', `/v1/forms/${id}`, null, {
      body: { email: 'dan@example.com', message: 'Hello again' },
      sourceIp: ip,
    });
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('1800');
    expect(limited.body).toMatchObject({ type: '/docs#problem-rate-limited', status: 429 });
    // Another address has its own bucket.
    const other = await call('POST', `/v1/forms/${id}`, null, {
      body: { email: 'eve@example.com', message: 'Hi' },
      sourceIp: '198.51.100.3',
    });
    expect(other.status).toBe(202);

    const tickets = (await call('GET', '/v1/tickets?limit=100', admin)).body.items.filter(
      (t: { channel: string }) => t.channel === 'web_form',
    );
    expect(tickets.map((t: { requester: { email: string } }) => t.requester.email).sort()).toEqual([
      'carol@example.com',
      'dan@example.com',
      'eve@example.com',
    ]);
    const carol = tickets.find(
      (t: { requester: { email: string } }) => t.requester.email === 'carol@example.com',
    );
    expect(carol).toMatchObject({
      subject: 'Do you ship to Spain?',
      tags: ['web'],
      conversation: { channelId: id },
    });
  });

  it('refuses a post without email or message with the field errors', async () => {
    const bad = await call('POST', `/v1/forms/${id}`, null, {
      rawBody: form({ email: 'not-an-address', message: '' }),
      headers: formHeaders,
      sourceIp: '192.0.2.200',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['email', 'message']);
  });
});

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localSecretEnvVar } from '../../functions/adapters/channel-secrets.ts';
import { DynamoDbChannelStore } from '../../functions/adapters/dynamodb/channel-store.ts';
import { documentClient, tableName } from '../../functions/adapters/dynamodb/client.ts';
import { DynamoDbSmsDeliveryStore } from '../../functions/adapters/dynamodb/sms-delivery-store.ts';
import { DynamoDbTicketStore } from '../../functions/adapters/dynamodb/ticket-store.ts';
import { makeTwilioSmsSender, TwilioUnavailableError } from '../../functions/adapters/twilio/messages.ts';
import type { InboundChannel } from '../../functions/core/channels/channel.ts';
import { newChannel } from '../../functions/core/channels/manage.ts';
import { EMPTY_TWIML } from '../../functions/core/channels/sms.ts';
import { toDomainEvent } from '../../functions/core/domain-events.ts';
import { SmsOutcomeUnknownError, SmsRejectedError } from '../../functions/core/ports.ts';
import type { ApiResult } from '../../functions/http/request.ts';
import { type LocalTwilio, startLocalTwilio } from '../../local/twilio.ts';
import { apiEvent, type EventOptions } from '../support/api-event.ts';
import type { Json } from '../support/http-client.ts';
import { lambdaContext } from '../support/lambda-context.ts';
import { messageSid, signedTwilioRequest, smsParams, testAccountSid } from '../support/twilio.ts';

/**
 * The SMS channel through the real handlers against DynamoDB Local: Twilio's webhook into the api handler, and
 * the outbound worker (smsOut) sending to a local HTTP server standing in for Twilio's REST API.
 */
const tenantId = `sms-${Date.now().toString(36)}`;
const CUSTOMER = '+14155550123';
const OUR_NUMBER = '+14155550100';
const AUTH_TOKEN = 'integration-auth-token';
const HOST = 'api.sms.test';
const accountSid = testAccountSid();
const tables = { main: tableName('main') };
const channels = new DynamoDbChannelStore(documentClient, tables);
const tickets = new DynamoDbTicketStore(documentClient, tables);

type Handler = (event: unknown, context?: unknown) => Promise<unknown>;
let api: Handler;
let authorize: Handler;
let smsOut: Handler;
let twilio: LocalTwilio;
let media: Server;
let mediaUrl: string;
let admin: string;
let agentKey: string;
let channel: InboundChannel;

function channelOf(type: InboundChannel['type'], overrides: Partial<InboundChannel> = {}): InboundChannel {
  const base = newChannel(
    tenantId,
    `ch_${type}${Math.random().toString(36).slice(2, 10)}`,
    type === 'sms_twilio'
      ? {
          type,
          name: 'Support line',
          tags: ['sms'],
          twilio: { accountSid, fromNumber: OUR_NUMBER, authTokenSecret: `deskless/twilio/${tenantId}/main` },
        }
      : { type, name: 'Other' },
    'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    new Date().toISOString(),
  );
  return { ...base, ...overrides };
}

async function call(method: string, path: string, key: string | null, options: EventOptions = {}) {
  let auth: EventOptions['auth'] = null;
  if (key) {
    const verdict = (await authorize({ headers: { authorization: `Bearer ${key}` } })) as { context: never };
    auth = verdict.context;
  }
  const result = (await api(
    apiEvent(method, path, { ...options, auth }),
    lambdaContext('api'),
  )) as ApiResult & {
    statusCode: number;
  };
  const contentType = String(result.headers?.['content-type'] ?? '');
  return {
    status: result.statusCode,
    contentType,
    text: result.body ?? '',
    body: (contentType.includes('json') && result.body ? JSON.parse(result.body) : undefined) as Json,
  };
}

/** Twilio's POST to the channel's URL, signed with `token` (the channel's own unless a test says otherwise). */
function twilioPost(
  target: InboundChannel,
  params: Record<string, string>,
  options: { token?: string; signature?: string | null; contentType?: string } = {},
) {
  const path = `/v1/channels/${target.id}/twilio`;
  const signed = signedTwilioRequest(options.token ?? AUTH_TOKEN, `https://${HOST}${path}`, params);
  const headers: Record<string, string> = {
    'content-type': options.contentType ?? 'application/x-www-form-urlencoded',
    host: HOST,
    'x-forwarded-proto': 'https',
  };
  const signature = options.signature === undefined ? signed.signature : options.signature;
  if (signature !== null) headers['x-twilio-signature'] = signature;
  return call('POST', path, null, { rawBody: signed.body, headers });
}

async function ticketOfCustomer(): Promise<Json> {
  const found = await call('GET', `/v1/customers?phone=${encodeURIComponent(CUSTOMER)}`, admin);
  const customer = found.body.items[0];
  return (await call('GET', `/v1/customers/${customer.id}`, admin)).body.tickets.items;
}

async function timeline(number: number): Promise<Json[]> {
  return (await call('GET', `/v1/tickets/${number}/timeline?limit=100`, admin)).body.items;
}

/** The SQS message EventBridge would deliver for a timeline event. */
async function deliveryOf(number: number, eventId: string, receiveCount = 1): Promise<SQSEvent> {
  const event = await tickets.event(tenantId, number, eventId);
  return {
    Records: [
      {
        messageId: `m-${Math.random()}`,
        receiptHandle: 'r',
        body: JSON.stringify({ 'detail-type': 'comment.added', detail: toDomainEvent(event!) }),
        attributes: {
          ApproximateReceiveCount: String(receiveCount),
          SentTimestamp: '0',
          SenderId: 's',
          ApproximateFirstReceiveTimestamp: '0',
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:deskless-outbound-sms',
        awsRegion: 'us-east-1',
      },
    ],
  };
}

beforeAll(async () => {
  twilio = await startLocalTwilio();
  media = createServer((request, response) => {
    if (request.url === '/photo.jpg') {
      response.writeHead(200, { 'content-type': 'image/jpeg' });
      response.end(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4]));
      return;
    }
    response.writeHead(200, { 'content-type': 'application/x-msdownload' });
    response.end(Buffer.from('MZ-not-really'));
  });
  await new Promise<void>((resolve) => media.listen(0, '127.0.0.1', resolve));
  mediaUrl = `http://127.0.0.1:${(media.address() as AddressInfo).port}`;
  // Before the handlers load: they read their configuration once, at import, as a Lambda cold start does.
  process.env.TWILIO_API_BASE_URL = twilio.url;
  process.env.DESKLESS_ALLOW_LOOPBACK_URLS = 'true';
  process.env[localSecretEnvVar(`deskless/twilio/${tenantId}/main`)] = AUTH_TOKEN;
  api = (await import('../../functions/handlers/api.ts')).handler as Handler;
  authorize = (await import('../../functions/handlers/authorizer.ts')).handler as Handler;
  smsOut = (await import('../../functions/handlers/sms-out.ts')).handler as Handler;

  const created = await call('POST', '/v1/tenants', process.env.DESKLESS_OPERATOR_API_KEY!, {
    body: { id: tenantId, name: 'SMS test' },
  });
  admin = created.body.apiKey.secret;
  const agentCreated = await call('POST', '/v1/agents', admin, {
    body: { name: 'Ana', email: `ana@${tenantId}.test` },
  });
  agentKey = (
    await call('POST', '/v1/api-keys', admin, {
      body: { name: 'ana', role: 'agent', agentId: agentCreated.body.id },
    })
  ).body.secret;
  channel = channelOf('sms_twilio');
  await channels.create(channel);
});

afterAll(async () => {
  await twilio?.stop();
  await new Promise((resolve) => media?.close(resolve));
});

describe('Twilio’s webhook', () => {
  let first: number;

  it('turns a signed SMS into a ticket on channel sms, answered with empty TwiML once stored', async () => {
    const params = smsParams({
      from: CUSTOMER,
      to: OUR_NUMBER,
      body: 'My order has not arrived',
      accountSid,
    });
    const response = await twilioPost(channel, params);
    expect(response).toMatchObject({ status: 200, text: EMPTY_TWIML });
    expect(response.contentType).toMatch(/^text\/xml/);

    const [ticket] = await ticketOfCustomer();
    first = ticket.number;
    const full = (await call('GET', `/v1/tickets/${first}`, admin)).body;
    expect(full).toMatchObject({
      subject: 'My order has not arrived',
      channel: 'sms',
      requester: { phone: CUSTOMER },
      tags: ['sms'],
      conversation: { channelId: channel.id, channelType: 'sms_twilio', conversationId: CUSTOMER },
    });
    const events = await timeline(first);
    expect(events.filter((e: Json) => e.type === 'comment').map((e: Json) => e.data.body)).toEqual([
      'My order has not arrived',
    ]);

    // Twilio retrying the same MessageSid stores nothing more, and gets the same answer.
    const again = await twilioPost(channel, params);
    expect(again).toMatchObject({ status: 200, text: EMPTY_TWIML });
    expect(await timeline(first)).toHaveLength(events.length);
    expect(await ticketOfCustomer()).toHaveLength(1);
  });

  it('threads the next SMS from the same number onto the same ticket', async () => {
    const response = await twilioPost(
      channel,
      smsParams({ from: CUSTOMER, to: OUR_NUMBER, body: 'Any news?', accountSid }),
    );
    expect(response.status).toBe(200);
    expect(await ticketOfCustomer()).toHaveLength(1);
    const comments = (await timeline(first)).filter((e: Json) => e.type === 'comment');
    expect(comments.map((e: Json) => e.data.body)).toEqual(['My order has not arrived', 'Any news?']);
  });

  it('keeps MMS media as attachments, and notes the one it refused', async () => {
    const params = smsParams({
      from: CUSTOMER,
      to: OUR_NUMBER,
      body: '',
      accountSid,
      extra: {
        NumMedia: '2',
        MediaUrl0: `${mediaUrl}/photo.jpg`,
        MediaContentType0: 'image/jpeg',
        MediaUrl1: `${mediaUrl}/tool`,
        MediaContentType1: 'application/x-msdownload',
      },
    });
    expect((await twilioPost(channel, params)).status).toBe(200);
    const events = await timeline(first);
    const comment = events.filter((e: Json) => e.type === 'comment' && e.data.public).at(-1);
    expect(comment.data.body).toBe('(2 pictures or files, no text)');
    expect(comment.data.attachments[0]).toMatchObject({
      filename: 'mms-1.jpg',
      contentType: 'image/jpeg',
      size: 8,
    });
    expect(comment.data.attachments[0].key).toMatch(/^attachments\//);
    expect(comment.data.attachments[1]).toMatchObject({ filename: 'mms-2.bin', key: null });
    const note = events.filter((e: Json) => e.type === 'comment' && !e.data.public).at(-1);
    expect(note.data.body).toContain('mms-2.bin');
  });

  it('refuses a wrong, missing or foreign signature with 403 and stores nothing', async () => {
    const before = (await timeline(first)).length;
    const params = smsParams({ from: CUSTOMER, to: OUR_NUMBER, body: 'forged', accountSid });
    const wrong = await twilioPost(channel, params, { token: 'not-the-token' });
    expect(wrong.status).toBe(403);
    expect(wrong.contentType).toBe('application/problem+json');
    expect(wrong.body.detail).toMatch(/X-Twilio-Signature does not match/);
    expect((await twilioPost(channel, params, { signature: null })).status).toBe(403);
    // A signature of other parameters does not carry over.
    const other = signedTwilioRequest(AUTH_TOKEN, `https://${HOST}/v1/channels/${channel.id}/twilio`, {
      ...params,
      Body: 'the original',
    });
    expect((await twilioPost(channel, params, { signature: other.signature })).status).toBe(403);
    expect(await timeline(first)).toHaveLength(before);
  });

  it('answers 400 to a signed body that is not a message, 404 to an unknown channel, 409 to another type', async () => {
    const badFrom = await twilioPost(
      channel,
      smsParams({ from: 'not-a-number', to: OUR_NUMBER, body: 'x', accountSid }),
    );
    expect(badFrom.status).toBe(400);
    expect(badFrom.body.errors).toEqual([
      { path: 'From', message: 'must be an E.164 phone number, e.g. +14155550123' },
    ]);
    const noSid = smsParams({ from: CUSTOMER, to: OUR_NUMBER, body: 'x', accountSid });
    delete (noSid as Record<string, string | undefined>).MessageSid;
    expect((await twilioPost(channel, noSid)).status).toBe(400);
    expect(
      (
        await twilioPost(channel, smsParams({ from: CUSTOMER, to: OUR_NUMBER, body: 'x', accountSid }), {
          contentType: 'application/json',
        })
      ).status,
    ).toBe(400);

    const unknown = await twilioPost(
      { ...channel, id: 'ch_nothere' },
      smsParams({ from: CUSTOMER, to: OUR_NUMBER, body: 'x', accountSid }),
    );
    expect(unknown.status).toBe(404);

    const webhook = channelOf('webhook');
    await channels.create(webhook);
    const wrongType = await twilioPost(
      webhook,
      smsParams({ from: CUSTOMER, to: OUR_NUMBER, body: 'x', accountSid }),
    );
    expect(wrongType.status).toBe(409);
    expect(wrongType.body.detail).toContain(`/v1/channels/${webhook.id}/messages`);
  });

  it('answers 409 when the channel’s token secret is not the tenant’s or cannot be read', async () => {
    const foreign = channelOf('sms_twilio', {
      twilio: { accountSid, fromNumber: OUR_NUMBER, authTokenSecret: 'deskless/twilio/someone-else/main' },
    });
    await channels.create(foreign);
    const response = await twilioPost(
      foreign,
      smsParams({ from: CUSTOMER, to: OUR_NUMBER, body: 'x', accountSid }),
    );
    expect(response.status).toBe(409);
    // Generic: nothing of the tenant's setup (its id, the secret's name, the AWS error) to a stranger.
    expect(response.body.detail).toBe("this channel's Twilio credentials are not configured");
    expect(JSON.stringify(response.body)).not.toContain(tenantId);
  });

  it('refuses (422) a channel naming a token secret outside the tenant’s prefix, on create and on patch', async () => {
    const twilioSettings = (authTokenSecret: string) => ({
      accountSid,
      fromNumber: OUR_NUMBER,
      authTokenSecret,
    });
    for (const name of ['x', 'deskless/twilio/someone-else/main', `/deskless/twilio/${tenantId}/main`]) {
      const created = await call('POST', '/v1/channels', admin, {
        body: { type: 'sms_twilio', name: 'SMS', twilio: twilioSettings(name) },
      });
      expect(created.status).toBe(422);
      expect(created.body.errors).toEqual([
        { path: 'twilio.authTokenSecret', message: expect.stringContaining(`deskless/twilio/${tenantId}/`) },
      ]);
    }
    const good = await call('POST', '/v1/channels', admin, {
      body: { type: 'sms_twilio', name: 'SMS', twilio: twilioSettings(`deskless/twilio/${tenantId}/main`) },
    });
    expect(good.status).toBe(201);
    const patched = await call('PATCH', `/v1/channels/${good.body.id}`, admin, {
      body: { twilio: twilioSettings('deskless/twilio/someone-else/main') },
    });
    expect(patched.status).toBe(422);
    expect(patched.body.errors[0].path).toBe('twilio.authTokenSecret');
  });
});

describe('public replies go back by SMS (smsOut)', () => {
  async function agentReply(body: string, isPublic = true) {
    const [ticket] = await ticketOfCustomer();
    const result = await call('POST', `/v1/tickets/${ticket.number}/comments`, agentKey, {
      body: { body, public: isPublic },
    });
    expect(result.status).toBe(201);
    return { number: ticket.number as number, eventId: result.body.comment.id as string };
  }

  it('sends an agent’s public reply from the channel’s number, with basic auth, exactly once', async () => {
    const sentBefore = twilio.messages().length;
    const { number, eventId } = await agentReply('It ships today.');
    const delivery = await deliveryOf(number, eventId);
    expect(await smsOut(delivery, lambdaContext('smsOut'))).toEqual({ batchItemFailures: [] });
    const sent = twilio.messages().slice(sentBefore);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      accountSid,
      to: CUSTOMER,
      from: OUR_NUMBER,
      body: 'It ships today.',
      authorization: `Basic ${Buffer.from(`${accountSid}:${AUTH_TOKEN}`).toString('base64')}`,
    });

    // Redelivered (SQS at least once): nothing is sent again.
    expect(await smsOut(await deliveryOf(number, eventId, 2), lambdaContext('smsOut'))).toEqual({
      batchItemFailures: [],
    });
    expect(twilio.messages().length).toBe(sentBefore + 1);
    const smsSent = (await timeline(number)).filter((e: Json) => e.type === 'sms_sent');
    expect(smsSent).toHaveLength(1);
    expect(smsSent[0].data).toEqual({
      to: CUSTOMER,
      from: OUR_NUMBER,
      sids: [sent[0]!.sid],
      forEvent: eventId,
    });
  });

  it('retries a Twilio 5xx through the queue, then sends once', async () => {
    const sentBefore = twilio.messages().length;
    const { number, eventId } = await agentReply('Second reply');
    twilio.failNext(503);
    const delivery = await deliveryOf(number, eventId);
    const failed = (await smsOut(delivery, lambdaContext('smsOut'))) as { batchItemFailures: unknown[] };
    expect(failed.batchItemFailures).toEqual([{ itemIdentifier: delivery.Records[0]!.messageId }]);
    expect(twilio.messages().length).toBe(sentBefore);
    expect(await smsOut(await deliveryOf(number, eventId, 2), lambdaContext('smsOut'))).toEqual({
      batchItemFailures: [],
    });
    expect(twilio.messages().length).toBe(sentBefore + 1);
    const types = (await timeline(number)).map((e: Json) => e.type);
    expect(types.slice(-3)).toEqual(['comment', 'sms_failed', 'sms_sent']);
  });

  it('records Twilio’s 4xx as sms_failed and does not retry', async () => {
    const { number, eventId } = await agentReply('To a number Twilio refuses');
    twilio.failNext(400);
    const requestsBefore = twilio.requests();
    expect(await smsOut(await deliveryOf(number, eventId), lambdaContext('smsOut'))).toEqual({
      batchItemFailures: [],
    });
    const failed = (await timeline(number)).at(-1);
    expect(failed).toMatchObject({
      type: 'sms_failed',
      data: { status: 400, retrying: false, forEvent: eventId },
    });
    expect(await smsOut(await deliveryOf(number, eventId, 2), lambdaContext('smsOut'))).toEqual({
      batchItemFailures: [],
    });
    expect(twilio.requests()).toBe(requestsBefore + 1);
  });

  it('never sends internal notes or the customer’s own messages', async () => {
    const requestsBefore = twilio.requests();
    const note = await agentReply('internal only', false);
    await smsOut(await deliveryOf(note.number, note.eventId), lambdaContext('smsOut'));
    const customerComment = (await timeline(note.number)).find((e: Json) => e.type === 'comment');
    await smsOut(await deliveryOf(note.number, customerComment.id), lambdaContext('smsOut'));
    expect(twilio.requests()).toBe(requestsBefore);
  });
});

describe('the Twilio REST adapter and the delivery markers', () => {
  it('posts To, From and Body form-encoded with basic auth, and tells rejections from outages', async () => {
    const sender = makeTwilioSmsSender({ baseUrl: twilio.url });
    const { sid } = await sender.send({
      accountSid,
      authToken: 't',
      from: OUR_NUMBER,
      to: CUSTOMER,
      body: 'Hé & co',
    });
    expect(sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(twilio.messages().at(-1)).toMatchObject({ sid, body: 'Hé & co', to: CUSTOMER });
    await expect(
      sender.send({ accountSid, authToken: 't', from: OUR_NUMBER, to: '12', body: 'x' }),
    ).rejects.toMatchObject({ name: 'SmsRejectedError', status: 400, code: 21211 });
    twilio.failNext(500);
    await expect(
      sender.send({ accountSid, authToken: 't', from: OUR_NUMBER, to: CUSTOMER, body: 'x' }),
    ).rejects.toBeInstanceOf(TwilioUnavailableError);
    twilio.failNext(429);
    await expect(
      sender.send({ accountSid, authToken: 't', from: OUR_NUMBER, to: CUSTOMER, body: 'x' }),
    ).rejects.toBeInstanceOf(TwilioUnavailableError);
    await expect(
      sender.send({ accountSid: 'ACnope', authToken: 't', from: OUR_NUMBER, to: CUSTOMER, body: 'x' }),
    ).rejects.toBeInstanceOf(SmsRejectedError);
    const unreachable = makeTwilioSmsSender({ baseUrl: 'http://127.0.0.1:9', timeoutMs: 2000 });
    await expect(
      unreachable.send({ accountSid, authToken: 't', from: OUR_NUMBER, to: CUSTOMER, body: 'x' }),
    ).rejects.not.toBeInstanceOf(SmsRejectedError);
  });

  it('tells a lost answer (outcome unknown) from a Twilio that was never reached', async () => {
    // Takes the request, never answers: it may have sent the SMS.
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const sender = makeTwilioSmsSender({
        baseUrl: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`,
        timeoutMs: 300,
      });
      await expect(
        sender.send({ accountSid, authToken: 't', from: OUR_NUMBER, to: CUSTOMER, body: 'x' }),
      ).rejects.toBeInstanceOf(SmsOutcomeUnknownError);
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
    // A port nothing listens on: the connection is refused, nothing was sent.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const refused = makeTwilioSmsSender({ baseUrl: `http://127.0.0.1:${closedPort}`, timeoutMs: 2000 });
    const error = await refused
      .send({ accountSid, authToken: 't', from: OUR_NUMBER, to: CUSTOMER, body: 'x' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(SmsOutcomeUnknownError);
    expect(error).not.toBeInstanceOf(SmsRejectedError);
  });

  it('claim a part once; a fresh claim is busy, a stale one is taken over, a settled one stays settled', async () => {
    const store = new DynamoDbSmsDeliveryStore(documentClient, tables);
    const key = { tenantId, eventId: messageSid(), part: 0 };
    const now = '2026-03-02T09:00:00.000Z';
    const claim = await store.claim(key, now, 60_000);
    expect(claim.state).toBe('claimed');
    expect(await store.claim(key, now, 60_000)).toEqual({ state: 'busy' });
    const later = '2026-03-02T09:01:00.001Z';
    const takeover = await store.claim(key, later, 60_000);
    expect(takeover.state).toBe('claimed');
    // The first worker's release no longer removes the claim: it is the second worker's now.
    await store.release(key, (claim as { token: string }).token);
    expect(await store.claim(key, later, 60_000)).toEqual({ state: 'busy' });
    await store.sent(key, 'SM1', later);
    expect(await store.claim(key, '2026-03-03T00:00:00.000Z', 60_000)).toEqual({ state: 'sent', sid: 'SM1' });
    const other = { ...key, part: 1 };
    const second = await store.claim(other, now, 60_000);
    await store.release(other, (second as { token: string }).token);
    expect((await store.claim(other, now, 60_000)).state).toBe('claimed');
    await store.rejected(other, 'bad number', now);
    expect(await store.claim(other, now, 60_000)).toEqual({ state: 'rejected', error: 'bad number' });
  });
});
